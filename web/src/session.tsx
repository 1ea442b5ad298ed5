import { createContext, useContext } from "react";
import type { Me, Role } from "./api/types.ts";

const ORDER: Role[] = ["viewer", "responder", "admin"];

export function roleAllows(role: Role, needed: Role): boolean {
  return ORDER.indexOf(role) >= ORDER.indexOf(needed);
}

export interface Session {
  me: Me["user"];
  /** Whether the signed-in user's role may do what `needed` may: actions the role lacks are not shown. */
  can(needed: Role): boolean;
  signOut(): void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside the signed-in app");
  return session;
}
