import {
  accessDenied,
  assign,
  type Ctx,
  dataError,
  fieldError,
  IrisError,
  load,
  type Route,
} from "./http.ts";
import type { IrisProfile } from "./profile.ts";
import {
  ACCESS,
  ALERT_STATUSES,
  ANALYSIS_STATUSES,
  ATTRIBUTE_OBJECTS,
  CASE_STATES,
  COMPROMISE_STATUSES,
  EVENT_CATEGORIES,
  MODULES,
  OUTCOME_STATUSES,
  PERMISSIONS,
  TASK_STATUSES,
  TLPS,
} from "./reference-data.ts";
import { likePattern } from "./routes-notes.ts";
import {
  type IrisState,
  isoNow,
  rfc1123,
  type SimCase,
  type SimGroup,
  type SimUser,
  today,
} from "./state.ts";

const ANY = {} as const;
const ADMIN = { permission: "server_administrator" } as const;
const USER = { permission: "standard_user" } as const;
const CUSTOMERS_READ = { permission: "customers_read" } as const;
const CUSTOMERS_WRITE = { permission: "customers_write" } as const;
const CLOSED = CASE_STATES.indexOf("Closed") + 1;

/** Server-wide endpoints: API info, cases, customers, users, groups, reference data, global tasks, modules. */
export function manageRoutes(route: Route, S: () => IrisState, profile: IrisProfile): void {
  route("GET", "/api/ping", ANY, () => ({ message: "pong" }));
  route("GET", "/api/versions", ANY, () => ({
    data: { iris_current: profile.iris, api_min: profile.apiMin, api_current: profile.apiCurrent },
  }));

  // Cases -------------------------------------------------------------------
  const v20 = S().profile.version === "2.0";
  const stateName = (id: number) => CASE_STATES[id - 1] ?? "Unspecified";
  const classificationName = (id: number | null) =>
    id === null ? null : (S().classifications.get(id)?.name ?? null);
  /** The case as IRIS's case schema dumps it (add, update, close, reopen). */
  const caseView = (c: SimCase) => ({
    case_id: c.case_id,
    case_uuid: c.uuid,
    case_name: c.name,
    case_soc_id: c.soc_id,
    case_description: c.description,
    case_customer: c.client_id,
    open_date: c.open_date,
    close_date: c.close_date,
    initial_date: c.initial_date,
    closing_note: null,
    user_id: c.user_id,
    owner_id: c.owner_id,
    status_id: c.status_id,
    classification_id: c.classification_id,
    custom_attributes: c.custom_attributes,
    modification_history: {},
    // Case states, reviews and severities came with IRIS 2.1.
    ...(v20 ? {} : { state_id: c.state_id, reviewer_id: null, review_status_id: null, severity_id: 4 }),
  });
  /** The case as GET /manage/cases/<id> answers: names resolved, tags joined, protagonists listed. */
  const caseDetails = (c: SimCase) => {
    const s = S();
    const status = (
      OUTCOME_STATUSES[S().profile.version].find(([v]) => v === c.status_id)?.[1] ?? "Unknown"
    ).replace(/\b\w/g, (ch) => ch.toUpperCase());
    return {
      case_name: c.name,
      case_description: c.description,
      open_date: c.open_date,
      close_date: c.close_date,
      case_soc_id: c.soc_id,
      case_id: c.case_id,
      case_uuid: c.uuid,
      customer_name: s.customers.get(c.client_id)?.name ?? "",
      open_by_user_id: c.user_id,
      open_by_user: s.users.get(c.user_id)?.login ?? "",
      owner_id: c.owner_id,
      owner: s.users.get(c.owner_id)?.name ?? "",
      status_id: c.status_id,
      custom_attributes: c.custom_attributes,
      modification_history: {},
      initial_date: c.initial_date,
      classification_id: c.classification_id,
      classification: classificationName(c.classification_id),
      case_tags: c.tags,
      protagonists: c.protagonists,
      ...(v20
        ? {}
        : {
            customer_id: c.client_id,
            state_id: c.state_id,
            state_name: stateName(c.state_id),
            reviewer_id: null,
            reviewer: null,
            status_name: status,
          }),
    };
  };
  const usDate = (iso: string) => `${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(0, 4)}`;
  // Access comes first: nobody has access to a case that does not exist, so an unknown id is a 403 too.
  const caseFor = (ctx: Ctx, level: number) => {
    const id = ctx.id("case_id");
    if (S().accessLevel(ctx.user.id, id) < level) throw accessDenied(S(), ctx.user, id);
    return S().cases.get(id);
  };
  route("GET", "/manage/cases/list", USER, (ctx) => ({
    data: [...S().cases.values()]
      .filter((c) => S().accessLevel(ctx.user.id, c.case_id) >= ACCESS.read_only)
      .sort((a, b) => a.open_date.localeCompare(b.open_date))
      .map((c) => ({
        case_name: c.name,
        case_description: c.description,
        client_name: S().customers.get(c.client_id)?.name ?? "",
        case_open_date: usDate(c.open_date),
        case_close_date: c.close_date ? usDate(c.close_date) : "",
        case_soc_id: c.soc_id,
        opened_by_user_id: c.user_id,
        opened_by: S().users.get(c.user_id)?.login ?? "",
        owner_id: c.owner_id,
        owner: S().users.get(c.owner_id)?.name ?? "",
        case_id: c.case_id,
        case_uuid: c.uuid,
        classification_id: c.classification_id,
        classification: classificationName(c.classification_id),
        ...(v20 ? {} : { state_id: c.state_id, state_name: stateName(c.state_id) }),
        access_level: S().accessLevel(ctx.user.id, c.case_id),
      })),
  }));
  route("GET", "/manage/cases/:case_id", ANY, (ctx) => {
    const c = caseFor(ctx, ACCESS.read_only);
    if (!c) throw new IrisError(400, `Case ID ${ctx.params.case_id} not found`);
    return { data: caseDetails(c) };
  });
  const checkClassification = (f: Record<string, unknown>) => {
    if (
      f.classification_id !== undefined &&
      f.classification_id !== null &&
      !S().classifications.has(f.classification_id as number)
    )
      throw new IrisError(400, "Error creating case - check server logs");
  };
  // IRIS's case schema checks the customer before anything else.
  const customerPreload = (body: Record<string, unknown>, required: boolean) => {
    const id = body.case_customer;
    if (!required && (id === undefined || id === null)) return;
    if (!v20 && id !== undefined && id !== null && !Number.isInteger(id))
      throw fieldError("case_customer", "Invalid data type");
    if (!S().customers.has(Number(id))) throw fieldError("case_customer", "Invalid client id");
  };
  route("POST", "/manage/cases/add", USER, (ctx) => {
    if (ctx.body.classification_id === "") delete ctx.body.classification_id;
    customerPreload(ctx.body, true);
    const f = load(ctx.body, {
      case_soc_id: { kind: "string", required: true },
      case_customer: { kind: "int", required: true },
      case_name: { kind: "string", required: true, min: 2 },
      case_description: { kind: "string", required: true, min: 2 },
      classification_id: { kind: "int", nullable: true },
      case_template_id: { kind: "any" },
      custom_attributes: { kind: "dict", nullable: true },
    });
    // An unknown classification fails the database insert: IRIS's catch-all answer.
    checkClassification(f);
    if (f.case_template_id)
      throw new IrisError(400, `Invalid Case template ID ${String(f.case_template_id)}`);
    const c = S().addCase(ctx.user.id, {
      name: f.case_name as string,
      description: f.case_description as string,
      soc_id: f.case_soc_id as string,
      client_id: f.case_customer as number,
      classification_id: (f.classification_id as number | null | undefined) ?? undefined,
      custom_attributes: (f.custom_attributes as Record<string, unknown> | null | undefined) ?? null,
    });
    S().log(c.case_id, ctx.user.id, `new case "${c.name}" created`);
    return { message: "Case created", data: caseView(c) };
  });
  route("POST", "/manage/cases/update/:case_id", USER, (ctx) => {
    const c = caseFor(ctx, ACCESS.full_access);
    if (!c) throw new IrisError(400, "Case not found");
    if (ctx.body.classification_id === "") delete ctx.body.classification_id;
    customerPreload(ctx.body, false);
    const f = load(ctx.body, {
      case_name: { kind: "string", min: 2 },
      case_soc_id: { kind: "string" },
      case_description: { kind: "string", min: 2 },
      case_customer: { kind: "int" },
      classification_id: { kind: "int", nullable: true },
      owner_id: { kind: "int" },
      state_id: { kind: "int", nullable: true },
      status_id: { kind: "int" },
      protagonists: { kind: "list" },
      case_tags: { kind: "string", nullable: true },
      custom_attributes: { kind: "dict", nullable: true },
    });
    // Unknown references fail in the database, which IRIS reports with its catch-all.
    const broken =
      (f.owner_id !== undefined && !S().users.has(f.owner_id as number)) ||
      (f.state_id !== undefined && f.state_id !== null && !CASE_STATES[(f.state_id as number) - 1]) ||
      (f.classification_id !== undefined &&
        f.classification_id !== null &&
        !S().classifications.has(f.classification_id as number));
    if (broken) throw new IrisError(400, "Error updating case - check server logs");
    if (f.case_name !== undefined)
      c.name = `#${c.case_id} - ${String(f.case_name).replace(`#${c.case_id} - `, "")}`;
    if (f.case_description !== undefined) {
      c.description = f.case_description as string;
      S().summaries.set(c.case_id, c.description);
    }
    if (f.case_tags !== undefined) c.tags = (f.case_tags as string | null) ?? "";
    if (f.case_soc_id !== undefined) c.soc_id = f.case_soc_id as string;
    if (f.case_customer !== undefined) c.client_id = f.case_customer as number;
    const wasClosed = c.state_id === CLOSED;
    assign(c, f, [
      "classification_id",
      "owner_id",
      "status_id",
      "state_id",
      "protagonists",
      "custom_attributes",
    ]);
    // Moving the state to Closed closes the case; moving it away reopens it.
    if (!wasClosed && c.state_id === CLOSED) c.close_date = today();
    if (wasClosed && c.state_id !== CLOSED) c.close_date = null;
    return { message: "Case updated", data: caseView(c) };
  });
  route("POST", "/manage/cases/close/:case_id", USER, (ctx) => {
    const c = caseFor(ctx, ACCESS.full_access);
    if (!c) throw new IrisError(400, "Tried to close an non-existing case");
    c.close_date = today();
    c.state_id = CLOSED;
    S().log(c.case_id, ctx.user.id, `closed case ID ${c.case_id}`);
    return { message: "Case closed successfully", data: caseView(c) };
  });
  route("POST", "/manage/cases/reopen/:case_id", USER, (ctx) => {
    const c = caseFor(ctx, ACCESS.full_access);
    if (!c) throw new IrisError(400, "Tried to reopen an non-existing case");
    c.close_date = null;
    c.state_id = CASE_STATES.indexOf("Open") + 1;
    S().log(c.case_id, ctx.user.id, `reopen case ID ${c.case_id}`);
    return { message: "Case reopen successfully", data: caseView(c) };
  });
  route("POST", "/manage/cases/delete/:case_id", USER, (ctx) => {
    const c = caseFor(ctx, ACCESS.full_access);
    if (ctx.id("case_id") === 1) throw new IrisError(400, "Cannot delete a primary case to keep consistency");
    if (!c) throw new IrisError(400, "Tried to delete a non-existing case");
    S().deleteCase(c.case_id);
    for (const u of S().users.values()) if (u.ctx_case === c.case_id) u.ctx_case = 1;
    return { message: "Case successfully deleted" };
  });

  // Customers ---------------------------------------------------------------
  const customerOf = (ctx: Ctx) => {
    const c = S().customers.get(ctx.id("customer_id"));
    if (!c) throw new IrisError(400, "Invalid Customer ID");
    return c;
  };
  const customerView = (c: ReturnType<typeof customerOf>, contacts = false) => ({
    customer_id: c.client_id,
    customer_uuid: c.uuid,
    client_uuid: c.uuid,
    customer_name: c.name,
    customer_description: c.description,
    customer_sla: c.sla,
    custom_attributes: c.custom_attributes,
    creation_date: c.creation_date,
    last_update_date: c.last_update_date,
    ...(contacts ? { contacts: c.contacts } : {}),
  });
  const customerRules = {
    customer_name: { kind: "string", min: 2 },
    customer_description: { kind: "string", nullable: true },
    customer_sla: { kind: "string", nullable: true },
    custom_attributes: { kind: "dict", nullable: true },
  } as const;
  // Names are unique whatever their case; IRIS words the failure per endpoint.
  const uniqueName = (message: string, name: unknown, except?: number) => {
    const upper = String(name).toUpperCase();
    if ([...S().customers.values()].some((c) => c.name.toUpperCase() === upper && c.client_id !== except))
      throw new IrisError(400, message, { customer_name: ["Customer already exists"] });
  };
  const customerLoad = (message: string, body: Record<string, unknown>, required: boolean) => {
    try {
      return load(body, { ...customerRules, customer_name: { kind: "string", min: 2, required } });
    } catch (error) {
      if (error instanceof IrisError) throw new IrisError(400, message, error.data);
      throw error;
    }
  };
  route("GET", "/manage/customers/list", CUSTOMERS_READ, () => ({
    data: [...S().customers.values()].map((c) => ({
      customer_id: c.client_id,
      customer_uuid: c.uuid,
      customer_name: c.name,
      customer_description: c.description,
      customer_sla: c.sla,
    })),
  }));
  route("GET", "/manage/customers/:customer_id", CUSTOMERS_READ, (ctx) => ({
    data: customerView(customerOf(ctx), true),
  }));
  route("GET", "/manage/customers/:customer_id/cases", CUSTOMERS_READ, (ctx) => {
    const customer = customerOf(ctx);
    const cases = [...S().cases.values()].filter((c) => c.client_id === customer.client_id);
    const now = new Date();
    const day = (iso: string) => new Date(`${iso}T00:00:00Z`).getTime();
    const daysAgo = (n: number) => Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - n);
    const since = (from: number) => cases.filter((c) => day(c.open_date) >= from).length;
    const year = now.getUTCFullYear();
    const lastYear = cases.filter((c) => c.open_date.startsWith(String(year - 1))).length;
    const thisYear = since(Date.UTC(year, 0, 1));
    const lastMonth = cases.filter(
      (c) => day(c.open_date) > daysAgo(30) && day(c.open_date) < Date.UTC(year, now.getUTCMonth(), 1),
    ).length;
    const thisMonth = since(Date.UTC(year, now.getUTCMonth(), 1));
    // IRIS counts from 1 when the earlier period is empty.
    const ratio = (before: number, after: number) =>
      before === 0 ? after * 100 : ((after - before) / before) * 100;
    const closed = cases.filter((c) => c.close_date !== null);
    const durations = closed.reduce(
      (sum, c) => sum + (day(c.close_date!) - day(c.open_date)) / 86_400_000,
      0,
    );
    const open = cases.length - closed.length;
    return {
      data: {
        cases: cases.map((c) => ({
          case_id: c.case_id,
          case_uuid: c.uuid,
          case_name: c.name,
          case_description: c.description,
          case_status: c.status_id,
          case_owner: S().users.get(c.user_id)?.name ?? "",
          open_date: c.open_date,
          close_date: c.close_date,
        })),
        stats: {
          cases_last_month: lastMonth,
          cases_last_year: lastYear,
          open_cases: open,
          last_year: year - 1,
          last_month: now.getUTCMonth(),
          cases_rolling_week: since(daysAgo(7)),
          cases_current_month: thisMonth,
          cases_current_year: thisYear,
          ratio_year: cases.length ? ratio(lastYear, thisYear) : 0,
          ratio_month: cases.length ? ratio(lastMonth, thisMonth) : 0,
          // IRIS averages only when some cases are still open, and then over the closed ones.
          average_case_duration: open > 0 && durations > 0 ? durations / closed.length : durations,
          cases_total: cases.length,
        },
      },
    };
  });
  route("POST", "/manage/customers/add", CUSTOMERS_WRITE, (ctx) => {
    if (!ctx.json) throw new IrisError(400, "Invalid request");
    const f = customerLoad("Error adding customer", ctx.body, true);
    uniqueName("Error adding customer", f.customer_name);
    const c = S().addCustomer(
      f.customer_name as string,
      (f.customer_description as string | undefined) ?? null,
      (f.customer_sla as string | undefined) ?? null,
      (f.custom_attributes as Record<string, unknown> | undefined) ?? {},
    );
    return { message: "Added successfully", data: customerView(c) };
  });
  route("POST", "/manage/customers/update/:customer_id", CUSTOMERS_WRITE, (ctx) => {
    const c = customerOf(ctx);
    if (!ctx.json) throw new IrisError(400, "Invalid request");
    if (typeof ctx.body.customer_name !== "string")
      throw new IrisError(
        400,
        "An error occurred during Customer update. 'NoneType' object has no attribute 'lower'",
      );
    // Checked before the schema, so the message comes as a list.
    const upper = ctx.body.customer_name.toUpperCase();
    if (
      [...S().customers.values()].some((k) => k.name.toUpperCase() === upper && k.client_id !== c.client_id)
    )
      throw new IrisError(400, "", ["Customer already exists"]);
    const f = customerLoad("", ctx.body, true);
    if (f.customer_name !== undefined) c.name = f.customer_name as string;
    if (f.customer_description !== undefined) c.description = f.customer_description as string | null;
    if (f.customer_sla !== undefined) c.sla = f.customer_sla as string | null;
    if (f.custom_attributes) c.custom_attributes = f.custom_attributes as Record<string, unknown>;
    c.last_update_date = isoNow();
    return { message: "Customer updated", data: customerView(c) };
  });
  route("POST", "/manage/customers/delete/:customer_id", CUSTOMERS_WRITE, (ctx) => {
    const c = customerOf(ctx);
    if ([...S().cases.values()].some((k) => k.client_id === c.client_id))
      throw new IrisError(400, "Cannot delete a referenced customer");
    S().customers.delete(c.client_id);
    return { message: "Deleted successfully" };
  });
  const contactRules = {
    contact_name: { kind: "string", min: 1 },
    contact_role: { kind: "string", nullable: true },
    contact_email: { kind: "string", nullable: true },
    contact_work_phone: { kind: "string", nullable: true },
    contact_mobile_phone: { kind: "string", nullable: true },
    contact_note: { kind: "string", nullable: true },
  } as const;
  const contactOf = (ctx: Ctx) => {
    const c = customerOf(ctx);
    const contact = c.contacts.find((k) => k.id === ctx.id("contact_id"));
    if (!contact) throw new IrisError(400, "Invalid contact ID for this customer");
    return { customer: c, contact };
  };
  route("POST", "/manage/customers/:customer_id/contacts/add", CUSTOMERS_WRITE, (ctx) => {
    const c = customerOf(ctx);
    const f = load(ctx.body, { ...contactRules, contact_name: { kind: "string", min: 1, required: true } });
    const contact = {
      id: S().nextId("contact"),
      uuid: S().uuid(),
      client_id: c.client_id,
      contact_name: "",
      contact_role: "",
      contact_email: "",
      contact_work_phone: "",
      contact_mobile_phone: "",
      contact_note: "",
      custom_attributes: null,
    };
    assign(contact, f, Object.keys(contactRules));
    c.contacts.push(contact);
    return { message: "Added successfully", data: { ...contact, contact_uuid: contact.uuid } };
  });
  route("POST", "/manage/customers/:customer_id/contacts/:contact_id/update", CUSTOMERS_WRITE, (ctx) => {
    const { contact } = contactOf(ctx);
    assign(contact, load(ctx.body, contactRules), Object.keys(contactRules));
    return { message: "Updated successfully", data: { ...contact, contact_uuid: contact.uuid } };
  });
  route("POST", "/manage/customers/:customer_id/contacts/:contact_id/delete", CUSTOMERS_WRITE, (ctx) => {
    const { customer, contact } = contactOf(ctx);
    customer.contacts = customer.contacts.filter((k) => k !== contact);
    return { message: "Deleted successfully" };
  });

  // Users and groups --------------------------------------------------------
  const permissionsList = (mask: number) =>
    Object.entries(PERMISSIONS)
      .filter(([, v]) => mask & v)
      .map(([name, value]) => ({ name, value }));
  const userRow = (u: SimUser) => ({
    user_id: u.id,
    user_uuid: u.uuid,
    user_login: u.login,
    user_name: u.name,
    user_email: u.email,
    user_active: u.active,
  });
  const userDetails = (u: SimUser) => {
    const s = S();
    const groups = [...s.groups.values()].filter((g) => g.members.has(u.id));
    const permissions: Record<string, unknown> = {};
    for (const g of groups)
      for (const p of permissionsList(g.permissions)) {
        const key = String(p.value);
        if (!permissions[key]) permissions[key] = { name: p.name, value: p.value, inherited_from: [] };
        const entry = permissions[key] as { inherited_from: string[] };
        entry.inherited_from.push(g.name);
      }
    return {
      ...userRow(u),
      user_groups: groups.map((g) => ({ group_id: g.group_id, group_name: g.name, group_uuid: g.uuid })),
      user_cases_access: [...(s.userAccess.get(u.id) ?? new Map())].map(([caseId, level]) => ({
        case_id: caseId,
        case_name: s.cases.get(caseId)?.name ?? "",
        access_level: level,
        access_level_list: accessList(level),
      })),
      user_organisations: [
        {
          is_primary_org: true,
          org_id: 1,
          org_name: "Default Org",
          org_uuid: "f0b6364d-bab8-48ac-8de3-8be04f409aa7",
        },
      ],
      user_permissions: permissions,
      user_primary_organisation_id: 1,
    };
  };
  const userView = (u: SimUser) => ({
    id: u.id,
    uuid: u.uuid,
    user_id: u.id,
    user_login: u.login,
    user_name: u.name,
    user_email: u.email,
    active: u.active,
    external_id: null,
    in_dark_mode: null,
    has_deletion_confirmation: false,
  });
  const userOf = (ctx: Ctx) => {
    const u = S().users.get(ctx.id("user_id"));
    if (!u) throw new IrisError(400, "Invalid user ID");
    return u;
  };
  const passwordPolicy = (password: string) => {
    const problems: string[] = [];
    if (password.length < 12) problems.push("Password must be longer than 12 characters");
    if (!/[A-Z]/.test(password)) problems.push("Password must contain at least an upper case");
    if (!/[a-z]/.test(password)) problems.push("Password must contain at least a lower case");
    if (!/\d/.test(password)) problems.push("Password must contain at least a number");
    if (problems.length) throw dataError({ user_password: problems });
  };
  const uniqueUser = (f: Record<string, unknown>, except?: number) => {
    for (const u of S().users.values()) {
      if (u.id === except) continue;
      if (f.user_login !== undefined && u.login === f.user_login)
        throw fieldError("user_login", "User name already taken");
      if (f.user_email !== undefined && u.email === f.user_email)
        throw fieldError("user_email", "User email already taken");
    }
  };
  route("GET", "/manage/users/list", ADMIN, () => ({ data: [...S().users.values()].map(userRow) }));
  route("GET", "/manage/users/restricted/list", ANY, () => ({
    data: [...S().users.values()].map((u) => ({
      user_id: u.id,
      user_uuid: u.uuid,
      user_name: u.name,
      user_login: u.login,
      user_active: u.active,
    })),
  }));
  route("GET", "/manage/users/:user_id", ADMIN, (ctx) => ({ data: userDetails(userOf(ctx)) }));
  // Lookups any user may make: a restricted view of one user.
  route("GET", "/manage/users/lookup/id/:user_id", ANY, (ctx) => {
    const u = userOf(ctx);
    return { data: { user_login: u.login, user_id: u.id, user_name: u.name } };
  });
  route("GET", "/manage/users/lookup/login/:login", ANY, (ctx) => {
    const u = [...S().users.values()].find((k) => k.login === ctx.params.login);
    if (!u) throw new IrisError(400, "Invalid login");
    return { data: userRow(u) };
  });
  const userRules = {
    user_name: { kind: "string", min: 1 },
    user_login: { kind: "string", min: 1 },
    user_email: { kind: "string", min: 1 },
    user_password: { kind: "string" },
  } as const;
  route("POST", "/manage/users/add", ADMIN, (ctx) => {
    const f = load(ctx.body, {
      user_name: { kind: "string", min: 1, required: true },
      user_login: { kind: "string", min: 1, required: true },
      user_email: { kind: "string", min: 1, required: true },
      user_password: { kind: "string", required: true },
    });
    uniqueUser(f);
    passwordPolicy(f.user_password as string);
    const u = S().addUser(
      f.user_login as string,
      f.user_name as string,
      f.user_email as string,
      f.user_password as string,
    );
    // New users land in the Analysts group, as IRIS does.
    const analysts = [...S().groups.values()].find((g) => g.name === "Analysts");
    analysts?.members.add(u.id);
    return { message: "user created", data: { ...userView(u), user_api_key: u.api_key } };
  });
  route("POST", "/manage/users/update/:user_id", ADMIN, (ctx) => {
    const u = userOf(ctx);
    const f = load(ctx.body, userRules);
    uniqueUser(f, u.id);
    if (f.user_password) passwordPolicy(f.user_password as string);
    if (f.user_name !== undefined) u.name = f.user_name as string;
    if (f.user_login !== undefined) u.login = f.user_login as string;
    if (f.user_email !== undefined) u.email = f.user_email as string;
    if (f.user_password) u.password = f.user_password as string;
    return { message: "User updated", data: userView(u) };
  });
  const userForCase = (ctx: Ctx) => {
    const u = S().users.get(ctx.id("user_id"));
    if (!u) throw new IrisError(400, "Invalid user ID for this case");
    return u;
  };
  route("GET", "/manage/users/activate/:user_id", ADMIN, (ctx) => {
    const u = userForCase(ctx);
    u.active = true;
    return { message: "User activated", data: userView(u) };
  });
  route("GET", "/manage/users/deactivate/:user_id", ADMIN, (ctx) => {
    const u = userForCase(ctx);
    if (u.id === ctx.user.id)
      throw new IrisError(400, "We do not recommend deactivating yourself for obvious reasons");
    u.active = false;
    return { message: "User deactivated", data: userView(u) };
  });
  route("POST", "/manage/users/delete/:user_id", ADMIN, (ctx) => {
    const u = userOf(ctx);
    // An active user is refused; so is one whose past work the database still references.
    if (u.active || u.has_activity) throw new IrisError(400, "Cannot delete active user");
    S().users.delete(u.id);
    S().userAccess.delete(u.id);
    for (const g of S().groups.values()) g.members.delete(u.id);
    return { message: `Deleted user ID ${u.id}` };
  });
  route("POST", "/manage/users/:user_id/groups/update", ADMIN, (ctx) => {
    const u = userOf(ctx);
    const f = load(ctx.body, { groups_membership: { kind: "intList", required: true } });
    const ids = f.groups_membership as number[];
    for (const id of ids)
      if (!S().groups.has(id)) throw fieldError("groups_membership", `Invalid group ID ${id}`);
    for (const g of S().groups.values()) {
      if (ids.includes(g.group_id)) g.members.add(u.id);
      else g.members.delete(u.id);
    }
    return { message: "User groups updated", data: userDetails(u) };
  });
  const checkCases = (field: string, ids: number[]) => {
    for (const id of ids) if (!S().cases.has(id)) throw fieldError(field, `Invalid case ID ${id}`);
  };
  route("POST", "/manage/users/:user_id/cases-access/update", ADMIN, (ctx) => {
    const u = userOf(ctx);
    const f = load(ctx.body, {
      cases_list: { kind: "intList", required: true },
      access_level: { kind: "int", required: true },
    });
    checkCases("cases_list", f.cases_list as number[]);
    if (!Object.values(ACCESS).includes(f.access_level as 1))
      throw fieldError("access_level", "Invalid access level");
    for (const id of f.cases_list as number[]) S().setUserAccess(u.id, id, f.access_level as number);
    return { message: "User case access updated", data: userDetails(u) };
  });
  route("POST", "/manage/users/:user_id/cases-access/delete", ADMIN, (ctx) => {
    const u = userOf(ctx);
    if (!ctx.json || Object.keys(ctx.body).length === 0) throw new IrisError(400, "Invalid request");
    if (!Array.isArray(ctx.body.cases)) throw new IrisError(400, "Expecting cases as list");
    for (const id of ctx.body.cases) S().userAccess.get(u.id)?.delete(Number(id));
    return { message: "User case access updated", data: userDetails(u) };
  });
  route("POST", "/manage/users/:user_id/case-access/delete", ADMIN, (ctx) => {
    const u = userOf(ctx);
    if (!ctx.json || Object.keys(ctx.body).length === 0) throw new IrisError(400, "Invalid request");
    const id = ctx.body.case;
    if (!Number.isInteger(id)) throw new IrisError(400, "Expecting cases as int");
    if ((id as number) <= 0) throw new IrisError(400, "Invalid case id");
    S()
      .userAccess.get(u.id)
      ?.delete(id as number);
    return { message: "User case access updated", data: userDetails(u) };
  });

  const groupView = (g: SimGroup, full = true) => ({
    group_id: g.group_id,
    group_uuid: g.uuid,
    group_name: g.name,
    group_description: g.description,
    group_permissions: g.permissions,
    group_permissions_list: permissionsList(g.permissions),
    group_auto_follow: g.auto_follow,
    group_auto_follow_access_level: g.auto_follow_access_level,
    registry: null,
    ...(full
      ? {
          group_members: [...g.members].map((id) => {
            const u = S().users.get(id);
            return { id, name: u?.name ?? "", user: u?.login ?? "" };
          }),
          group_cases_access: [...g.cases].map(([caseId, level]) => ({
            case_id: caseId,
            case_name: S().cases.get(caseId)?.name ?? "",
            access_level: level,
            access_level_list: accessList(level),
          })),
        }
      : {}),
  });
  const groupOf = (ctx: Ctx) => {
    const g = S().groups.get(ctx.id("group_id"));
    if (!g) throw new IrisError(400, "Invalid group ID");
    return g;
  };
  const groupRules = {
    group_name: { kind: "string", min: 1, required: true },
    group_description: { kind: "string", required: true },
    group_permissions: { kind: "int", required: true },
  } as const;
  // IRIS takes the permissions as one value or a list of them, and keeps their union.
  const groupLoad = (body: Record<string, unknown>) => {
    const given = body.group_permissions;
    if (Array.isArray(given)) {
      if (!given.every((v) => Number.isInteger(v)))
        throw fieldError("group_permissions", "Not a valid integer.");
      body.group_permissions = given.reduce((mask: number, v: number) => mask | v, 0);
    } else if (given === undefined || given === null) body.group_permissions = 0;
    return load(body, groupRules);
  };
  const checkGroup = (f: Record<string, unknown>, except?: number) => {
    if ([...S().groups.values()].some((g) => g.name === f.group_name && g.group_id !== except))
      throw fieldError("group_name", "Group name already exists");
  };
  route("GET", "/manage/groups/list", ADMIN, () => ({
    data: [...S().groups.values()].map((g) => groupView(g)),
  }));
  route("GET", "/manage/groups/:group_id", ADMIN, (ctx) => ({ data: groupView(groupOf(ctx)) }));
  route("POST", "/manage/groups/add", ADMIN, (ctx) => {
    const f = groupLoad(ctx.body);
    checkGroup(f);
    const g = S().addGroup(
      f.group_name as string,
      f.group_description as string,
      f.group_permissions as number,
    );
    return { data: groupView(g, false) };
  });
  route("POST", "/manage/groups/update/:group_id", ADMIN, (ctx) => {
    const g = groupOf(ctx);
    const f = groupLoad(ctx.body);
    checkGroup(f, g.group_id);
    if (
      g.name === "Administrators" &&
      ((f.group_permissions as number) & PERMISSIONS.server_administrator) === 0
    )
      throw fieldError(
        "group_permissions",
        "The Administrators group must keep the server_administrator permission",
      );
    g.name = f.group_name as string;
    g.description = f.group_description as string;
    g.permissions = f.group_permissions as number;
    return { data: groupView(g, false) };
  });
  route("POST", "/manage/groups/delete/:group_id", ADMIN, (ctx) => {
    const g = groupOf(ctx);
    if (g.name === "Administrators" || g.name === "Analysts")
      throw new IrisError(400, "Protected group cannot be deleted");
    S().groups.delete(g.group_id);
    return { message: "Group deleted" };
  });
  route("POST", "/manage/groups/:group_id/members/update", ADMIN, (ctx) => {
    const g = groupOf(ctx);
    const f = load(ctx.body, { group_members: { kind: "intList", required: true } });
    for (const id of f.group_members as number[]) {
      if (!S().users.has(id)) throw fieldError("group_members", `Invalid user ID ${id}`);
      g.members.add(id);
    }
    return { message: "Group updated", data: groupView(g) };
  });
  route("POST", "/manage/groups/:group_id/members/delete/:user_id", ADMIN, (ctx) => {
    const g = groupOf(ctx);
    const u = userOf(ctx);
    if (g.name === "Administrators" && u.id === ctx.user.id)
      throw new IrisError(400, "You cannot remove yourself from administrators");
    g.members.delete(u.id);
    return { message: "Member deleted from group", data: groupView(g) };
  });
  route("POST", "/manage/groups/:group_id/cases-access/update", ADMIN, (ctx) => {
    if (!ctx.json || Object.keys(ctx.body).length === 0)
      throw new IrisError(400, "Invalid request, expecting JSON");
    const g = groupOf(ctx);
    const level = Number(ctx.body.access_level);
    if (!Number.isInteger(level)) throw new IrisError(400, "Expecting access_level as int");
    if (!Object.values(ACCESS).includes(level as 1)) throw new IrisError(400, "Invalid access level");
    // Following every case grants them all and new ones; otherwise the listed cases, and following stops.
    if (ctx.body.auto_follow_cases === true) {
      for (const id of S().cases.keys()) g.cases.set(id, level);
      g.auto_follow = true;
      g.auto_follow_access_level = level;
    } else {
      const list = ctx.body.cases_list;
      if (!Array.isArray(list)) throw new IrisError(400, "Expecting cases_list as list");
      const ids = list.map(Number);
      checkCases("cases_list", ids);
      for (const id of ids) g.cases.set(id, level);
      g.auto_follow = false;
    }
    return { data: groupView(g) };
  });
  route("POST", "/manage/groups/:group_id/cases-access/delete", ADMIN, (ctx) => {
    const g = groupOf(ctx);
    const f = load(ctx.body, { cases: { kind: "intList", required: true } });
    for (const id of f.cases as number[]) g.cases.delete(id);
    return { message: "Group case access removed", data: groupView(g) };
  });

  // Reference data ----------------------------------------------------------
  const assetTypeView = (t: ReturnType<IrisState["assetTypes"]["get"]> & object) => ({
    asset_id: t.asset_id,
    asset_name: t.asset_name,
    asset_description: t.asset_description,
    asset_icon_not_compromised: t.icon_nc,
    asset_icon_compromised: t.icon_c,
    asset_icon_not_compromised_path: `/static/assets/img/graph/${t.icon_nc}`,
    asset_icon_compromised_path: `/static/assets/img/graph/${t.icon_c}`,
    registry: null,
  });
  const assetTypeOf = (ctx: Ctx) => {
    const t = S().assetTypes.get(ctx.id("asset_type_id"));
    if (!t) throw new IrisError(400, "Invalid asset type ID");
    return t;
  };
  route("GET", "/manage/asset-type/list", ANY, () => ({
    data: [...S().assetTypes.values()].map(assetTypeView),
  }));
  route("GET", "/manage/asset-type/:asset_type_id", ANY, (ctx) => ({
    data: assetTypeView(assetTypeOf(ctx)),
  }));
  const icon = (ctx: Ctx, field: string, required: boolean): string | undefined => {
    const file = ctx.files[field];
    if (!file) {
      if (required) throw fieldError(field, "Missing data for required field.");
      return undefined;
    }
    if (!/\.(png|svg|jpe?g)$/i.test(file.filename)) throw fieldError(field, "Invalid icon file type");
    return `${S().faker.string.alpha({ length: 18, casing: "lower" })}${file.filename.slice(file.filename.lastIndexOf("."))}`;
  };
  route("POST", "/manage/asset-type/add", ADMIN, (ctx) => {
    const f = load(ctx.body, {
      asset_name: { kind: "string", min: 1, required: true },
      asset_description: { kind: "string", min: 1, required: true },
    });
    if ([...S().assetTypes.values()].some((t) => t.asset_name === f.asset_name))
      throw fieldError("asset_name", "Asset type name already exists");
    const iconNc = icon(ctx, "asset_icon_not_compromised", true)!;
    const iconC = icon(ctx, "asset_icon_compromised", true)!;
    const id = S().nextId("asset_type");
    const t = {
      asset_id: id,
      asset_name: f.asset_name as string,
      asset_description: f.asset_description as string,
      icon_nc: iconNc,
      icon_c: iconC,
    };
    S().assetTypes.set(id, t);
    return { message: "Asset type added", data: assetTypeView(t) };
  });
  route("POST", "/manage/asset-type/update/:asset_type_id", ADMIN, (ctx) => {
    const t = assetTypeOf(ctx);
    const f = load(ctx.body, {
      asset_name: { kind: "string", min: 1 },
      asset_description: { kind: "string", min: 1 },
    });
    if (f.asset_name !== undefined) t.asset_name = f.asset_name as string;
    if (f.asset_description !== undefined) t.asset_description = f.asset_description as string;
    t.icon_nc = icon(ctx, "asset_icon_not_compromised", false) ?? t.icon_nc;
    t.icon_c = icon(ctx, "asset_icon_compromised", false) ?? t.icon_c;
    return { message: "Asset type updated", data: assetTypeView(t) };
  });
  route("POST", "/manage/asset-type/delete/:asset_type_id", ADMIN, (ctx) => {
    const t = assetTypeOf(ctx);
    if ([...S().assets.values()].some((a) => a.asset_type_id === t.asset_id))
      throw new IrisError(400, "Cannot delete a referenced asset type");
    S().assetTypes.delete(t.asset_id);
    return { message: `Deleted asset type ID ${t.asset_id} successfully` };
  });

  const iocTypeOf = (ctx: Ctx) => {
    const t = S().iocTypes.get(ctx.id("ioc_type_id"));
    if (!t) throw new IrisError(400, "Invalid ioc type ID");
    return t;
  };
  const iocTypeRules = {
    type_name: { kind: "string", min: 1 },
    type_description: { kind: "string" },
    type_taxonomy: { kind: "string", nullable: true },
    type_validation_regex: { kind: "string", nullable: true },
    type_validation_expect: { kind: "string", nullable: true },
  } as const;
  const checkRegex = (f: Record<string, unknown>) => {
    if (typeof f.type_validation_regex === "string" && f.type_validation_regex !== "") {
      try {
        new RegExp(f.type_validation_regex);
      } catch {
        throw fieldError("type_validation_regex", "Invalid regex");
      }
    }
  };
  const iocTypeView = (t: object) => ({ ...t, registry: null });
  route("GET", "/manage/ioc-types/list", ANY, () => ({ data: [...S().iocTypes.values()].map(iocTypeView) }));
  route("GET", "/manage/ioc-types/:ioc_type_id", ANY, (ctx) => ({ data: iocTypeView(iocTypeOf(ctx)) }));
  route("POST", "/manage/ioc-types/add", ADMIN, (ctx) => {
    const f = load(ctx.body, {
      ...iocTypeRules,
      type_name: { kind: "string", min: 1, required: true },
      type_description: { kind: "string", required: true },
    });
    checkRegex(f);
    if ([...S().iocTypes.values()].some((t) => t.type_name === f.type_name))
      throw fieldError("type_name", "Type name already exists");
    const id = S().nextId("ioc_type");
    const t = {
      type_id: id,
      type_name: f.type_name as string,
      type_description: f.type_description as string,
      type_taxonomy: (f.type_taxonomy as string | undefined) ?? null,
      type_validation_regex: (f.type_validation_regex as string | undefined) || null,
      type_validation_expect: (f.type_validation_expect as string | undefined) ?? null,
    };
    S().iocTypes.set(id, t);
    return { message: "Added successfully", data: iocTypeView(t) };
  });
  route("POST", "/manage/ioc-types/update/:ioc_type_id", ADMIN, (ctx) => {
    const t = iocTypeOf(ctx);
    const f = load(ctx.body, iocTypeRules);
    checkRegex(f);
    assign(t, f, Object.keys(iocTypeRules));
    return { message: "IOC type updated", data: iocTypeView(t) };
  });
  route("POST", "/manage/ioc-types/delete/:ioc_type_id", ADMIN, (ctx) => {
    const t = iocTypeOf(ctx);
    if ([...S().iocs.values()].some((i) => i.ioc_type_id === t.type_id))
      throw new IrisError(400, "Cannot delete a referenced ioc type");
    S().iocTypes.delete(t.type_id);
    return { message: `Deleted ioc type ID ${t.type_id}` };
  });

  const listAndGet = <T extends Record<string, unknown>>(
    base: string,
    items: () => T[],
    key: string,
    missing: (id: number) => string = () => "Invalid ID",
  ) => {
    route("GET", `${base}/list`, ANY, () => ({ data: items() }));
    route("GET", `${base}/:item_id`, ANY, (ctx) => {
      const found = items().find((i) => i[key] === ctx.id("item_id"));
      if (!found) throw new IrisError(400, missing(ctx.id("item_id")));
      return { data: found };
    });
  };
  listAndGet(
    "/manage/task-status",
    () =>
      TASK_STATUSES.map(([name, color], i) => ({
        id: i + 1,
        status_name: name,
        status_bscolor: color,
        status_description: "",
      })),
    "id",
  );
  listAndGet(
    "/manage/analysis-status",
    () => ANALYSIS_STATUSES.map((name, i) => ({ id: i + 1, name })),
    "id",
  );
  listAndGet(
    "/manage/tlp",
    () => TLPS.map(([name, color], i) => ({ tlp_id: i + 1, tlp_name: name, tlp_bscolor: color })),
    "tlp_id",
    (id) => `Invalid TLP ID ${id}`,
  );
  listAndGet(
    "/manage/event-categories",
    () => EVENT_CATEGORIES.map((name, i) => ({ id: i + 1, name })),
    "id",
    (id) => `Event category ID ${id} not found`,
  );
  listAndGet(
    "/manage/compromise-status",
    () => COMPROMISE_STATUSES.map(([value, name]) => ({ value, name })),
    "value",
  );
  listAndGet(
    "/manage/outcome-status",
    () => OUTCOME_STATUSES[S().profile.version].map(([value, name]) => ({ value, name })),
    "value",
  );
  if (profile.version === "2.4") {
    const statuses = () =>
      ALERT_STATUSES.map(([name, description], i) => ({
        status_id: i + 1,
        status_name: name,
        status_description: description,
      }));
    route("GET", "/manage/alert-status/list", ANY, () => ({ data: statuses() }));
    // An unknown id dumps nothing: IRIS answers success with an empty object.
    route("GET", "/manage/alert-status/:status_id", ANY, (ctx) => ({
      data: statuses().find((st) => st.status_id === ctx.id("status_id")) ?? {},
    }));
  }
  route("GET", "/manage/attributes/list", ADMIN, () => ({
    data: ATTRIBUTE_OBJECTS.map(([forObject, display], i) => ({
      attribute_id: i + 1,
      attribute_content: {},
      attribute_display_name: display,
      attribute_description: `Defines default attributes for ${display}`,
      attribute_for: forObject,
    })),
  }));

  // Case classifications ----------------------------------------------------
  route("GET", "/manage/case-classifications/list", ANY, () => ({
    data: [...S().classifications.values()].map(({ created_by_id: _by, ...row }) => row),
  }));
  const classificationOf = (ctx: Ctx) => {
    const id = ctx.id("classification_id");
    const c = S().classifications.get(id);
    if (!c) throw new IrisError(400, `Invalid case classification ID ${id}`);
    return c;
  };
  const classificationRules = {
    name: { kind: "string", min: 2, required: true },
    name_expanded: { kind: "string", min: 2, required: true },
    description: { kind: "string", min: 2, required: true },
  } as const;
  const uniqueClassification = (name: string, except?: number) => {
    if (
      [...S().classifications.values()].some(
        (c) => c.name.toLowerCase() === name.toLowerCase() && c.id !== except,
      )
    )
      throw fieldError("name", "Case classification name already exists");
  };
  route("GET", "/manage/case-classifications/:classification_id", ANY, (ctx) => ({
    data: classificationOf(ctx),
  }));
  route("POST", "/manage/case-classifications/add", ADMIN, (ctx) => {
    if (!ctx.json) throw new IrisError(400, "Invalid request");
    const f = load(ctx.body, classificationRules);
    uniqueClassification(f.name as string);
    const id = S().nextId("classification");
    const c = {
      id,
      name: f.name as string,
      name_expanded: f.name_expanded as string,
      description: f.description as string,
      creation_date: isoNow(),
      created_by_id: null,
    };
    S().classifications.set(id, c);
    return { message: "Case classification added", data: c };
  });
  route("POST", "/manage/case-classifications/update/:classification_id", ADMIN, (ctx) => {
    if (!ctx.json) throw new IrisError(400, "Invalid request");
    const c = classificationOf(ctx);
    const f = load(ctx.body, classificationRules);
    uniqueClassification(f.name as string, c.id);
    assign(c, f, Object.keys(classificationRules));
    return { message: "Case classification updated", data: c };
  });
  route("POST", "/manage/case-classifications/delete/:classification_id", ADMIN, (ctx) => {
    const c = classificationOf(ctx);
    if ([...S().cases.values()].some((k) => k.classification_id === c.id))
      throw new IrisError(500, "Internal server error");
    S().classifications.delete(c.id);
    return { message: "Case classification deleted" };
  });

  // Global search -----------------------------------------------------------
  route("POST", "/search", { permission: "search_across_cases" }, (ctx) => {
    const s = S();
    const type = ctx.body.search_type;
    const value = ctx.body.search_value;
    const like = (term: unknown) => likePattern(String(term), true);
    const caseOf = (id: number) => s.cases.get(id)!;
    const customerOf = (id: number) => s.customers.get(caseOf(id).client_id)?.name ?? "";
    let found: unknown[] = [];
    if (type === "ioc") {
      const pattern = like(value);
      found = [...s.iocs.values()]
        .filter((i) => pattern.test(i.ioc_value))
        .flatMap((i) =>
          [...i.cases].map((caseId) => ({
            ioc_name: i.ioc_value,
            ioc_description: i.ioc_description,
            ioc_misp: null,
            type_name: s.iocTypes.get(i.ioc_type_id)?.type_name ?? "",
            tlp_name: TLPS[i.ioc_tlp_id - 1]?.[0] ?? "",
            tlp_bscolor: TLPS[i.ioc_tlp_id - 1]?.[1] ?? "",
            case_name: caseOf(caseId).name,
            case_id: caseId,
            customer_name: customerOf(caseId),
          })),
        );
    } else if (type === "notes" && value) {
      const pattern = like(`%${String(value)}%`);
      found = [...s.notes.values()]
        .filter((n) => pattern.test(n.note_content))
        .map((n) => ({
          note_id: n.note_id,
          note_title: n.note_title,
          case_name: caseOf(n.case_id).name,
          client_name: customerOf(n.case_id),
          case_id: n.case_id,
        }))
        .sort((a, b) => a.client_name.localeCompare(b.client_name));
    } else if (type === "comments") {
      const pattern = like(`%${String(value)}%`);
      found = [...s.comments.values()]
        .filter((c) => pattern.test(c.comment_text))
        .map((c) => ({
          comment_id: c.comment_id,
          comment_text: c.comment_text,
          case_name: caseOf(c.comment_case_id).name,
          customer_name: customerOf(c.comment_case_id),
          case_id: c.comment_case_id,
        }))
        .sort((a, b) => a.customer_name.localeCompare(b.customer_name));
    }
    return { message: "Results fetched", data: found };
  });

  // Global tasks ------------------------------------------------------------
  const globalRules = {
    task_assignee_id: { kind: "int", required: true },
    task_status_id: { kind: "int" },
    task_title: { kind: "string", min: 2, required: true },
    task_description: { kind: "string", nullable: true },
    task_tags: { kind: "string", nullable: true },
  } as const;
  // The schema's pre-load hook: a known assignee (reported under task_assignees_id), a known status.
  const globalPreload = (body: Record<string, unknown>) => {
    for (const field of ["task_assignee_id", "task_status_id"]) {
      if (v20) continue;
      if (body[field] === undefined || body[field] === null)
        throw fieldError(field, "Invalid data - non null expected");
      if (!Number.isInteger(body[field])) throw fieldError(field, "Invalid data type");
    }
    if (!S().users.has(Number(body.task_assignee_id)))
      throw fieldError("task_assignees_id", "Invalid user id for assignee");
    if (!TASK_STATUSES[Number(body.task_status_id) - 1])
      throw fieldError("task_status_id", "Invalid task status ID");
  };
  route("GET", "/global/tasks/list", ANY, () => ({
    data: {
      tasks: [...S().globalTasks.values()].map((t) => {
        const [name, color] = S().taskStatusName(t.task_status_id);
        return {
          ...t,
          task_last_update: rfc1123(t.task_last_update),
          status_name: name,
          status_bscolor: color,
          user_name: S().users.get(t.task_assignee_id)?.name ?? "",
        };
      }),
      tasks_status: TASK_STATUSES.map(([name, color], i) => ({
        id: i + 1,
        status_name: name,
        status_bscolor: color,
        status_description: "",
      })),
    },
  }));
  route("GET", "/global/tasks/:task_id", ANY, (ctx) => {
    const t = S().globalTasks.get(ctx.id("task_id"));
    if (!t) throw new IrisError(400, `Global task ID ${ctx.params.task_id} not found`);
    return { data: t };
  });
  route("POST", "/global/tasks/add", ANY, (ctx) => {
    globalPreload(ctx.body);
    const f = load(ctx.body, globalRules);
    const now = isoNow();
    const t = {
      task_id: S().nextId("global_task"),
      task_description: null,
      task_tags: null,
      task_open_date: now,
      task_last_update: now,
      // IRIS records who last updated a global task, never who opened or closed it.
      task_close_date: null,
      task_userid_open: null,
      task_userid_update: ctx.user.id,
      task_userid_close: null,
      ...(f as { task_assignee_id: number; task_status_id: number; task_title: string }),
    };
    S().globalTasks.set(t.task_id, t);
    return { message: "Task added", data: t };
  });
  route("POST", "/global/tasks/update/:task_id", ANY, (ctx) => {
    const t = S().globalTasks.get(ctx.id("task_id"));
    if (!t) throw new IrisError(400, "Data error", "Invalid task ID");
    globalPreload(ctx.body);
    const f = load(ctx.body, globalRules);
    assign(t, f, Object.keys(globalRules));
    t.task_last_update = isoNow();
    t.task_userid_update = ctx.user.id;
    return { message: "Task updated", data: t };
  });
  route("POST", "/global/tasks/delete/:task_id", ANY, (ctx) => {
    const t = S().globalTasks.get(ctx.id("task_id"));
    if (!t) throw new IrisError(400, "Invalid global task ID");
    S().globalTasks.delete(t.task_id);
    return { message: "Task deleted" };
  });

  // Modules (DIM) -----------------------------------------------------------
  const dimTasks = (ctx: Ctx) => {
    const count = Number(ctx.params.count ?? 100);
    return { data: S().dimTasks.slice(-count).reverse() };
  };
  route("GET", "/dim/tasks/list/:count", ANY, dimTasks);
  route("GET", "/dim/hooks/options/:object_type/list", ANY, (ctx) => ({
    data: MODULES.flatMap((m) =>
      m.hooks
        .filter(([type]) => type === ctx.params.object_type)
        .map(([type, ui]) => ({
          hook_name: `on_manual_trigger_${type}`,
          manual_hook_ui_name: ui,
          module_name: m.module_name,
        })),
    ),
  }));
  route("POST", "/dim/hooks/call", { case: "write" }, (ctx) => {
    const b = ctx.body;
    if (!ctx.json || Object.keys(b).length === 0) throw new IrisError(400, "Invalid data");
    if (!b.hook_name) throw new IrisError(400, "Missing hook_name");
    if (!Array.isArray(b.targets) || b.targets.length === 0) throw new IrisError(400, "Missing targets");
    if (!b.type) throw new IrisError(400, "Missing data type");
    const s = S();
    // IRIS finds IOCs anywhere, other objects in the case only, and the case itself whatever the target says.
    const lookup: Record<string, (id: number) => boolean> = {
      ioc: (id) => s.iocs.has(id),
      case: () => true,
      asset: (id) => s.assets.get(id)?.case_id === ctx.caseId,
      note: (id) => s.notes.get(id)?.case_id === ctx.caseId,
      event: (id) => s.events.get(id)?.case_id === ctx.caseId,
      task: (id) => s.tasks.get(id)?.task_case_id === ctx.caseId,
      evidence: (id) => s.evidences.get(id)?.case_id === ctx.caseId,
      global_task: (id) => s.globalTasks.has(id),
    };
    const logs: string[] = [];
    const found: number[] = [];
    for (const raw of b.targets) {
      const id = typeof raw === "string" && /^-?\d+$/.test(raw) ? Number(raw) : raw;
      if (!Number.isInteger(id)) throw new IrisError(400, "Invalid target");
      const check = lookup[String(b.type)];
      if (!check) logs.push(`Data type ${String(b.type)} not supported`);
      else if (!check(id as number)) logs.push(`Object ID ${id} not found`);
      else found.push(id as number);
    }
    // Only a module that registered this manual hook under this UI name runs; others are ignored, as in IRIS.
    const module = MODULES.find((m) => m.module_name === b.module_name);
    const hook = module?.hooks.find(
      ([type, ui]) => `on_manual_trigger_${type}` === b.hook_name && ui === b.hook_ui_name,
    );
    if (module && hook && found.length > 0) {
      for (const id of found) {
        s.dimTasks.push({
          task_id: s.uuid(),
          state: "success",
          module: module.module_name,
          case: ctx.case?.name ?? "",
          user: ctx.user.login,
          date_done: new Date().toUTCString(),
        });
        // Enrichment modules leave a report on the IOC, as their real counterparts do.
        if (b.type === "ioc" && module.module_name !== "iris_check_module") {
          const ioc = s.iocs.get(id)!;
          ioc.custom_attributes = {
            ...ioc.custom_attributes,
            [hook[1].replace("Get ", "").replace(" insight", " report")]: {
              Summary: { type: "html", value: `Report for ${ioc.ioc_value}`, mandatory: false },
            },
          };
        }
      }
      s.log(ctx.caseId, ctx.user.id, `triggered hook ${String(b.hook_name)} of ${module.module_name}`);
    }
    if (logs.length > 0)
      throw new IrisError(
        400,
        `Errors encountered during processing of data. Queued task with ${found.length} objects`,
        logs,
      );
    return { message: `Queued task with ${found.length} objects` };
  });
}

function accessList(level: number) {
  return Object.entries(ACCESS).map(([name, value]) => ({ name, value, enabled: value === level }));
}
