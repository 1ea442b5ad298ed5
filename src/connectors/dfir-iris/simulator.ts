import multipart from "@fastify/multipart";
import {
  createSimServer,
  listen,
  type Simulator,
  type SimulatorFactory,
  type SimulatorOptions,
} from "../sdk/sim/server.ts";
import { routeFactory } from "./sim/http.ts";
import { IRIS_PROFILES, type IrisVersion } from "./sim/profile.ts";
import { ASSET_TYPES, EVENT_CATEGORIES, IOC_TYPES } from "./sim/reference-data.ts";
import { caseRoutes } from "./sim/routes-case.ts";
import { datastoreRoutes } from "./sim/routes-datastore.ts";
import { manageRoutes } from "./sim/routes-manage.ts";
import { noteRoutes } from "./sim/routes-notes.ts";
import { IrisState, isoNow } from "./sim/state.ts";

export interface IrisSimulatorOptions extends SimulatorOptions {
  /** Example cases generated on top of the fresh install (default 0). */
  exampleCases?: number;
  /** The IRIS release to behave as: "2.4" (default; notes directories) or "2.0" (notes groups, the seed's API). */
  version?: IrisVersion;
}

/** Fills a few realistic cases: a customer, assets, IOCs, events, tasks and notes each. */
function addExamples(state: IrisState, count: number): void {
  const f = state.faker;
  const admin = state.users.get(1)!;
  for (let n = 0; n < count; n++) {
    const customer = state.addCustomer(
      f.company.name(),
      f.company.catchPhrase(),
      `${f.number.int({ min: 1, max: 8 })}h response`,
    );
    const kind = f.helpers.arrayElement([
      "Ransomware",
      "Phishing",
      "Account compromise",
      "Data exfiltration",
    ]);
    const c = state.addCase(admin.id, {
      name: `${kind} at ${customer.name}`,
      description: `${kind} reported by ${f.person.fullName()}. ${f.lorem.sentence()}`,
      soc_id: `SOC-${f.number.int({ min: 1000, max: 9999 })}`,
      client_id: customer.client_id,
    });
    const now = isoNow();
    const assets = Array.from({ length: f.number.int({ min: 2, max: 4 }) }, () => {
      const type = f.number.int({ min: 1, max: ASSET_TYPES.length });
      const id = state.nextId("asset");
      const asset = {
        asset_id: id,
        asset_uuid: state.uuid(),
        case_id: c.case_id,
        asset_name: `${f.helpers.arrayElement(["WKS", "SRV", "DC", "LAP"])}-${f.string.alphanumeric({ length: 5, casing: "upper" })}`,
        asset_description: f.lorem.sentence(),
        asset_domain: f.internet.domainName(),
        asset_ip: f.internet.ipv4({ network: "private-a" }),
        asset_info: "",
        asset_compromise_status_id: f.helpers.arrayElement([0, 1, 2]),
        asset_type_id: type,
        asset_tags: "",
        analysis_status_id: f.number.int({ min: 1, max: 6 }),
        custom_attributes: {},
        date_added: now,
        date_update: now,
        user_id: admin.id,
        iocs: new Set<number>(),
        modification_history: state.history(admin, "created"),
      };
      state.assets.set(id, asset);
      return asset;
    });
    const ipType = IOC_TYPES.findIndex(([name]) => name === "ip-dst") + 1;
    const shaType = IOC_TYPES.findIndex(([name]) => name === "sha256") + 1;
    const iocs = [
      [ipType, f.internet.ipv4()],
      [shaType, f.string.hexadecimal({ length: 64, casing: "lower", prefix: "" })],
    ].map(([type, value]) => {
      const id = state.nextId("ioc");
      const ioc = {
        ioc_id: id,
        ioc_uuid: state.uuid(),
        ioc_value: String(value),
        ioc_type_id: Number(type),
        ioc_description: f.lorem.sentence(),
        ioc_tags: "",
        ioc_tlp_id: 2,
        user_id: admin.id,
        custom_attributes: {},
        cases: new Set([c.case_id]),
      };
      state.iocs.set(id, ioc);
      assets[0]!.iocs.add(id);
      return ioc;
    });
    for (let e = 0; e < 3; e++) {
      const id = state.nextId("event");
      state.events.set(id, {
        event_id: id,
        event_uuid: state.uuid(),
        case_id: c.case_id,
        event_title: f.helpers.arrayElement([
          "Malicious logon",
          "Process execution",
          "Outbound connection",
          "File dropped",
        ]),
        event_date: `${f.date.recent({ days: 10 }).toISOString().slice(0, 19)}.000000`,
        event_tz: "+00:00",
        event_category_id: f.number.int({ min: 4, max: EVENT_CATEGORIES.length }),
        event_raw: "",
        event_source: f.helpers.arrayElement(["EDR", "Proxy", "Windows Security log"]),
        event_content: f.lorem.sentence(),
        event_tags: "",
        event_color: "",
        event_in_summary: true,
        event_in_graph: true,
        event_is_flagged: false,
        event_sync_iocs_assets: false,
        parent_event_id: null,
        event_added: now,
        user_id: admin.id,
        custom_attributes: {},
        modification_history: state.history(admin, "created"),
        assets: new Set([f.helpers.arrayElement(assets).asset_id]),
        iocs: new Set([f.helpers.arrayElement(iocs).ioc_id]),
      });
    }
    const taskId = state.nextId("task");
    state.tasks.set(taskId, {
      id: taskId,
      task_uuid: state.uuid(),
      task_case_id: c.case_id,
      task_title: "Collect triage package",
      task_description: f.lorem.sentence(),
      task_tags: "",
      task_status_id: 1,
      task_open_date: now,
      task_close_date: null,
      task_last_update: now,
      task_userid_open: admin.id,
      task_userid_update: admin.id,
      task_userid_close: null,
      assignees: new Set([admin.id]),
      custom_attributes: {},
    });
    const now2 = isoNow();
    const noteIn: { group_id: number | null; directory_id: number | null } = {
      group_id: null,
      directory_id: null,
    };
    if (state.profile.version === "2.4") {
      const id = state.nextId("note_directory");
      state.noteDirectories.set(id, { id, name: "Investigation", parent_id: null, case_id: c.case_id });
      noteIn.directory_id = id;
    } else {
      const id = state.nextId("note_group");
      state.noteGroups.set(id, {
        group_id: id,
        group_uuid: state.uuid(),
        case_id: c.case_id,
        group_title: "Investigation",
        group_creationdate: now2,
        group_lastupdate: now2,
      });
      noteIn.group_id = id;
    }
    const noteId = state.nextId("note");
    state.notes.set(noteId, {
      note_id: noteId,
      note_uuid: state.uuid(),
      case_id: c.case_id,
      ...noteIn,
      note_title: "First findings",
      note_content: `# ${kind}\n${f.lorem.paragraph()}`,
      note_creationdate: now2,
      note_lastupdate: now2,
      user_id: admin.id,
      custom_attributes: {},
    });
    for (const kind of ["assets", "ioc", "timeline", "tasks", "notes"]) state.touch(c.case_id, kind);
  }
}

/** Starts a stateful DFIR-IRIS (2.4 by default, or 2.0) on loopback, like a fresh install. */
export async function startIrisSimulator(options: IrisSimulatorOptions = {}): Promise<Simulator> {
  const seed = options.seed ?? 1;
  const profile = IRIS_PROFILES[options.version ?? "2.4"];
  if (!profile) throw new Error(`unknown IRIS version ${String(options.version)} (use "2.4" or "2.0")`);
  const fresh = () => {
    const s = new IrisState(seed, profile);
    addExamples(s, options.exampleCases ?? 0);
    return s;
  };
  let state = fresh();
  const { app, faults } = createSimServer({
    errorBody: (_status, message) => ({ status: "error", message, data: [] }),
    state: () => ({
      users: [...state.users.values()].map((u) => ({
        id: u.id,
        login: u.login,
        api_key: u.api_key,
        active: u.active,
      })),
      cases: [...state.cases.values()],
      customers: [...state.customers.values()],
      counts: {
        assets: state.assets.size,
        iocs: state.iocs.size,
        events: state.events.size,
        tasks: state.tasks.size,
        notes: state.notes.size,
        evidences: state.evidences.size,
        files: state.files.size,
        comments: state.comments.size,
      },
      iocs: [...state.iocs.values()].map((i) => ({
        ioc_id: i.ioc_id,
        ioc_value: i.ioc_value,
        cases: [...i.cases],
      })),
    }),
    reset: () => {
      state = fresh();
    },
  });
  await app.register(multipart, { limits: { fileSize: 64 * 1024 * 1024 } });
  app.addHook("onRequest", async (req, reply) => {
    const [path = "", query] = req.url.split(/\?(.*)/s, 2);
    // Werkzeug merges doubled slashes by redirecting (308 keeps the method and body), as IRIS's Flask does.
    if (!path.includes("//")) return;
    const merged = path.replace(/\/{2,}/g, "/") + (query === undefined ? "" : `?${query}`);
    const shown = merged.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
    return reply
      .code(308)
      .header("location", `http://${req.headers.host}${merged}`)
      .type("text/html; charset=utf-8")
      .send(
        `<p>You should be redirected automatically to the target URL: <a href="${shown}">${shown}</a>.</p>`,
      );
  });
  const route = routeFactory(app, () => state, profile);
  manageRoutes(route, () => state, profile);
  caseRoutes(route, () => state);
  noteRoutes(route, () => state);
  datastoreRoutes(route, () => state);
  // Flask's 404, through IRIS's handler: its envelope to a JSON request, a page to anything else.
  app.setNotFoundHandler((req, reply) => {
    if (String(req.headers["content-type"] ?? "").includes("application/json"))
      return reply.code(404).send({ status: "error", message: "Resource not found", data: [] });
    return reply.code(404).type("text/html; charset=utf-8").send("<h1>404</h1><p>Page not found</p>");
  });

  const url = await listen(app, options);
  const adminKey = () => state.users.get(1)!.api_key;
  return {
    connector: "dfir-iris",
    url,
    config: { url, api_key: adminKey() },
    faults,
    close: () => app.close(),
  };
}

export const irisSimulator: SimulatorFactory = { connector: "dfir-iris", start: startIrisSimulator };
