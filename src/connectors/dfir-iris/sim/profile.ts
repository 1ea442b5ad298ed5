/**
 * The IRIS release a simulator models. Real servers differ in their API: IRIS 2.0 files notes in
 * groups, IRIS 2.4 in directories (its group endpoints answer 410), and each reports its own API
 * range, which the official Python client checks before anything else.
 */
export type IrisVersion = "2.4" | "2.0";

export interface IrisProfile {
  version: IrisVersion;
  /** What `/api/versions` reports. */
  iris: string;
  apiMin: string;
  apiCurrent: string;
}

/**
 * IRIS v2.4.7 is the release the official client 2.0.4 was tested against (API 2.0.4–2.0.5, as every
 * 2.4.x reports); v2.0.2 is the last 2.0 release (API 2.0.0 only, the seed's API and client 2.0.0's).
 */
export const IRIS_PROFILES: Record<IrisVersion, IrisProfile> = {
  "2.4": { version: "2.4", iris: "v2.4.7", apiMin: "2.0.4", apiCurrent: "2.0.5" },
  "2.0": { version: "2.0", iris: "v2.0.2", apiMin: "2.0.0", apiCurrent: "2.0.0" },
};
