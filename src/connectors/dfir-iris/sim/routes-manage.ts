import { assign, type Ctx, dataError, fieldError, IrisError, load, type Route } from "./http.ts";
import {
  ACCESS,
  ANALYSIS_STATUSES,
  CASE_CLASSIFICATIONS,
  COMPROMISE_STATUSES,
  EVENT_CATEGORIES,
  MODULES,
  OUTCOME_STATUSES,
  PERMISSIONS,
  TASK_STATUSES,
  TLPS,
} from "./reference-data.ts";
import { type IrisState, isoNow, rfc1123, type SimCase, type SimGroup, type SimUser } from "./state.ts";

const ANY = {} as const;
const ADMIN = { permission: "server_administrator" } as const;
const USER = { permission: "standard_user" } as const;
const CUSTOMERS_READ = { permission: "customers_read" } as const;
const CUSTOMERS_WRITE = { permission: "customers_write" } as const;

/** Server-wide endpoints: API info, cases, customers, users, groups, reference data, global tasks, modules. */
export function manageRoutes(
  route: Route,
  S: () => IrisState,
  version: { iris: string; apiMin: string; apiCurrent: string },
): void {
  route("GET", "/api/ping", ANY, () => ({ message: "pong" }));
  route("GET", "/api/versions", ANY, () => ({
    data: { iris_current: version.iris, api_min: version.apiMin, api_current: version.apiCurrent },
  }));

  // Cases -------------------------------------------------------------------
  const caseView = (c: SimCase) => ({
    case_id: c.case_id,
    case_uuid: c.uuid,
    case_name: c.name,
    case_soc_id: c.soc_id,
    case_description: c.description,
    case_customer: c.client_id,
    customer_name: S().customers.get(c.client_id)?.name ?? "",
    open_date: c.open_date,
    close_date: c.close_date,
    user_id: c.user_id,
    owner_id: c.owner_id,
    status_id: c.status_id,
    state_id: c.state_id,
    classification_id: c.classification_id,
    case_tags: c.tags,
    protagonists: c.protagonists,
    custom_attributes: c.custom_attributes,
  });
  const caseFor = (ctx: Ctx, level: number) => {
    const c = S().cases.get(ctx.id("case_id"));
    if (!c) throw new IrisError(404, "Invalid case ID");
    if (S().accessLevel(ctx.user.id, c.case_id) < level)
      throw new IrisError(403, "Permission denied", {
        user_id: ctx.user.id,
        case_id: c.case_id,
        error_uuid: S().uuid(),
      });
    return c;
  };
  route("GET", "/manage/cases/list", ANY, (ctx) => ({
    data: [...S().cases.values()]
      .filter((c) => S().accessLevel(ctx.user.id, c.case_id) >= ACCESS.read_only)
      .map((c) => ({
        case_id: c.case_id,
        case_uuid: c.uuid,
        case_name: c.name,
        case_soc_id: c.soc_id,
        case_description: c.description,
        case_open_date: c.open_date,
        case_close_date: c.close_date ?? "",
        client_name: S().customers.get(c.client_id)?.name ?? "",
        opened_by: S().users.get(c.user_id)?.login ?? "",
        owner: S().users.get(c.owner_id)?.login ?? "",
        state_id: c.state_id,
      })),
  }));
  route("GET", "/manage/cases/:case_id", ANY, (ctx) => ({ data: caseView(caseFor(ctx, ACCESS.read_only)) }));
  route("POST", "/manage/cases/add", USER, (ctx) => {
    const f = load(ctx.body, {
      case_soc_id: { kind: "string", required: true },
      case_customer: { kind: "int", required: true },
      case_name: { kind: "string", required: true, min: 2 },
      case_description: { kind: "string", required: true, min: 2 },
      classification_id: { kind: "int", nullable: true },
      custom_attributes: { kind: "dict", nullable: true },
    });
    if (!S().customers.has(f.case_customer as number))
      throw fieldError("case_customer", "Invalid customer ID");
    if (f.classification_id && !CASE_CLASSIFICATIONS[(f.classification_id as number) - 1])
      throw fieldError("classification_id", "Invalid classification ID");
    const c = S().addCase(ctx.user.id, {
      name: f.case_name as string,
      description: f.case_description as string,
      soc_id: f.case_soc_id as string,
      client_id: f.case_customer as number,
      classification_id: (f.classification_id as number | null | undefined) ?? undefined,
      custom_attributes: (f.custom_attributes as Record<string, unknown> | null | undefined) ?? null,
    });
    S().log(c.case_id, ctx.user.id, `New case "${c.name}" created`);
    return { message: "Case created", data: caseView(c) };
  });
  route("POST", "/manage/cases/update/:case_id", USER, (ctx) => {
    const c = caseFor(ctx, ACCESS.full_access);
    const f = load(ctx.body, {
      case_name: { kind: "string", min: 1 },
      case_soc_id: { kind: "string" },
      case_description: { kind: "string" },
      classification_id: { kind: "int", nullable: true },
      owner_id: { kind: "int" },
      status_id: { kind: "int" },
      protagonists: { kind: "list" },
      case_tags: { kind: "string", nullable: true },
      custom_attributes: { kind: "dict", nullable: true },
    });
    if (f.owner_id !== undefined && !S().users.has(f.owner_id as number))
      throw fieldError("owner_id", "Invalid user ID");
    if (f.status_id !== undefined && !OUTCOME_STATUSES.some(([v]) => v === f.status_id))
      throw fieldError("status_id", "Invalid outcome status");
    if (f.classification_id && !CASE_CLASSIFICATIONS[(f.classification_id as number) - 1])
      throw fieldError("classification_id", "Invalid classification ID");
    if (f.case_name !== undefined) c.name = `#${c.case_id} - ${String(f.case_name).replace(/^#\d+ - /, "")}`;
    if (f.case_description !== undefined) {
      c.description = f.case_description as string;
      S().summaries.set(c.case_id, c.description);
    }
    if (f.case_tags !== undefined) c.tags = (f.case_tags as string | null) ?? "";
    assign(c, f, [
      "soc_id",
      "classification_id",
      "owner_id",
      "status_id",
      "protagonists",
      "custom_attributes",
    ]);
    if (f.case_soc_id !== undefined) c.soc_id = f.case_soc_id as string;
    return { message: "Case updated", data: caseView(c) };
  });
  route("POST", "/manage/cases/close/:case_id", USER, (ctx) => {
    const c = caseFor(ctx, ACCESS.full_access);
    c.close_date = new Date().toISOString().slice(0, 10);
    c.state_id = 9;
    S().log(c.case_id, ctx.user.id, "closed case");
    return { message: "Case closed successfully", data: caseView(c) };
  });
  route("POST", "/manage/cases/reopen/:case_id", USER, (ctx) => {
    const c = caseFor(ctx, ACCESS.full_access);
    c.close_date = null;
    c.state_id = 3;
    S().log(c.case_id, ctx.user.id, "reopened case");
    return { message: "Case reopened successfully", data: caseView(c) };
  });
  route("POST", "/manage/cases/delete/:case_id", USER, (ctx) => {
    const c = caseFor(ctx, ACCESS.full_access);
    if (c.case_id === 1) throw new IrisError(400, "Cannot delete a primary case to keep consistency");
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
    customer_name: { kind: "string", min: 1 },
    customer_description: { kind: "string", nullable: true },
    customer_sla: { kind: "string", nullable: true },
    custom_attributes: { kind: "dict", nullable: true },
  } as const;
  const uniqueName = (name: unknown, except?: number) => {
    if ([...S().customers.values()].some((c) => c.name === name && c.client_id !== except))
      throw fieldError("customer_name", "Customer already exists");
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
  route("POST", "/manage/customers/add", CUSTOMERS_WRITE, (ctx) => {
    const f = load(ctx.body, { ...customerRules, customer_name: { kind: "string", min: 1, required: true } });
    uniqueName(f.customer_name);
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
    const f = load(ctx.body, customerRules);
    if (f.customer_name !== undefined) uniqueName(f.customer_name, c.client_id);
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
    in_dark_mode: false,
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
  route("GET", "/manage/users/restricted/list", USER, () => ({
    data: [...S().users.values()].map((u) => ({
      user_id: u.id,
      user_login: u.login,
      user_name: u.name,
      user_active: u.active,
    })),
  }));
  route("GET", "/manage/users/:user_id", ADMIN, (ctx) => ({ data: userDetails(userOf(ctx)) }));
  route("GET", "/manage/users/lookup/id/:user_id", USER, (ctx) => ({ data: userRow(userOf(ctx)) }));
  route("GET", "/manage/users/lookup/login/:login", USER, (ctx) => {
    const u = [...S().users.values()].find((k) => k.login === ctx.params.login);
    if (!u) throw new IrisError(400, `No user found with login ${ctx.params.login}`);
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
    return { message: "User added", data: userView(u) };
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
  route("GET", "/manage/users/activate/:user_id", ADMIN, (ctx) => {
    const u = userOf(ctx);
    u.active = true;
    return { message: "User activated", data: userView(u) };
  });
  route("GET", "/manage/users/deactivate/:user_id", ADMIN, (ctx) => {
    const u = userOf(ctx);
    if (u.id === ctx.user.id) throw new IrisError(400, "We do not recommend deactivating yourself");
    u.active = false;
    return { message: "User deactivated", data: userView(u) };
  });
  route("POST", "/manage/users/delete/:user_id", ADMIN, (ctx) => {
    const u = userOf(ctx);
    if (u.has_activity || u.id === ctx.user.id) throw new IrisError(400, "Cannot delete active user");
    S().users.delete(u.id);
    S().userAccess.delete(u.id);
    for (const g of S().groups.values()) g.members.delete(u.id);
    return { message: "Deleted user ID" };
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
    const f = load(ctx.body, { cases: { kind: "intList", required: true } });
    for (const id of f.cases as number[]) S().userAccess.get(u.id)?.delete(id);
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
  const checkGroup = (f: Record<string, unknown>, except?: number) => {
    if ([...S().groups.values()].some((g) => g.name === f.group_name && g.group_id !== except))
      throw fieldError("group_name", "Group name already exists");
  };
  route("GET", "/manage/groups/list", ADMIN, () => ({
    data: [...S().groups.values()].map((g) => groupView(g)),
  }));
  route("GET", "/manage/groups/:group_id", ADMIN, (ctx) => ({ data: groupView(groupOf(ctx)) }));
  route("POST", "/manage/groups/add", ADMIN, (ctx) => {
    const f = load(ctx.body, groupRules);
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
    const f = load(ctx.body, groupRules);
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
    const g = groupOf(ctx);
    const f = load(ctx.body, {
      access_level: { kind: "int", required: true },
      cases_list: { kind: "intList", required: true },
      auto_follow_cases: { kind: "bool", required: true },
    });
    checkCases("cases_list", f.cases_list as number[]);
    if (!Object.values(ACCESS).includes(f.access_level as 1))
      throw fieldError("access_level", "Invalid access level");
    for (const id of f.cases_list as number[]) g.cases.set(id, f.access_level as number);
    g.auto_follow = f.auto_follow_cases as boolean;
    g.auto_follow_access_level = f.access_level as number;
    return { message: "Group case access updated", data: groupView(g) };
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

  const listAndGet = <T extends Record<string, unknown>>(base: string, items: () => T[], key: string) => {
    route("GET", `${base}/list`, ANY, () => ({ data: items() }));
    route("GET", `${base}/:item_id`, ANY, (ctx) => {
      const found = items().find((i) => i[key] === ctx.id("item_id"));
      if (!found) throw new IrisError(400, "Invalid ID");
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
  );
  listAndGet(
    "/manage/event-categories",
    () => EVENT_CATEGORIES.map((name, i) => ({ id: i + 1, name })),
    "id",
  );
  listAndGet(
    "/manage/compromise-status",
    () => COMPROMISE_STATUSES.map(([value, name]) => ({ value, name })),
    "value",
  );
  listAndGet(
    "/manage/outcome-status",
    () => OUTCOME_STATUSES.map(([value, name]) => ({ value, name })),
    "value",
  );
  listAndGet(
    "/manage/case-classifications",
    () =>
      CASE_CLASSIFICATIONS.map(([name, expanded, description], i) => ({
        id: i + 1,
        name,
        name_expanded: expanded,
        description,
        creation_date: null,
        created_by_id: null,
      })),
    "id",
  );

  // Global tasks ------------------------------------------------------------
  const globalRules = {
    task_assignee_id: { kind: "int", required: true },
    task_status_id: { kind: "int", required: true },
    task_title: { kind: "string", min: 2, required: true },
    task_description: { kind: "string", required: true },
    task_tags: { kind: "string", required: true },
  } as const;
  const checkGlobal = (f: Record<string, unknown>) => {
    if (!S().users.has(f.task_assignee_id as number)) throw fieldError("task_assignee_id", "Invalid user ID");
    if (!TASK_STATUSES[(f.task_status_id as number) - 1])
      throw fieldError("task_status_id", "Invalid task status ID");
  };
  const globalOf = (ctx: Ctx) => {
    const t = S().globalTasks.get(ctx.id("task_id"));
    if (!t) throw new IrisError(400, "Invalid global task ID");
    return t;
  };
  route("GET", "/global/tasks/list", USER, () => ({
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
  route("GET", "/global/tasks/:task_id", USER, (ctx) => ({ data: globalOf(ctx) }));
  route("POST", "/global/tasks/add", USER, (ctx) => {
    const f = load(ctx.body, globalRules);
    checkGlobal(f);
    const now = isoNow();
    const t = {
      task_id: S().nextId("global_task"),
      task_open_date: now,
      task_last_update: now,
      task_close_date: null,
      task_userid_open: ctx.user.id,
      task_userid_update: ctx.user.id,
      task_userid_close: null,
      ...(f as {
        task_assignee_id: number;
        task_status_id: number;
        task_title: string;
        task_description: string;
        task_tags: string;
      }),
    };
    S().globalTasks.set(t.task_id, t);
    return { message: "Saved !", data: t };
  });
  route("POST", "/global/tasks/update/:task_id", USER, (ctx) => {
    const t = globalOf(ctx);
    const f = load(ctx.body, globalRules);
    checkGlobal(f);
    assign(t, f, Object.keys(globalRules));
    t.task_last_update = isoNow();
    t.task_userid_update = ctx.user.id;
    t.task_close_date = t.task_status_id === 4 ? (t.task_close_date ?? isoNow()) : null;
    t.task_userid_close = t.task_status_id === 4 ? ctx.user.id : null;
    return { message: "Updated", data: t };
  });
  route("POST", "/global/tasks/delete/:task_id", USER, (ctx) => {
    const t = globalOf(ctx);
    S().globalTasks.delete(t.task_id);
    return { message: "Task deleted" };
  });

  // Modules (DIM) -----------------------------------------------------------
  const dimTasks = (ctx: Ctx) => {
    const count = Number(ctx.params.count ?? 100);
    return { data: S().dimTasks.slice(-count).reverse() };
  };
  route("GET", "/dim/tasks/list/:count", USER, dimTasks);
  route("GET", "/dim/hooks/options/:object_type/list", USER, (ctx) => ({
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
    const f = load(ctx.body, {
      hook_name: { kind: "string", required: true, min: 1 },
      module_name: { kind: "string", required: true, min: 1 },
      hook_ui_name: { kind: "string", required: true, min: 1 },
      type: { kind: "string", required: true, min: 1 },
      targets: { kind: "intList", required: true },
    });
    const module = MODULES.find((m) => m.module_name === f.module_name);
    if (!module) throw fieldError("module_name", "Module not found");
    const hook = module.hooks.find(
      ([type, ui]) => `on_manual_trigger_${type}` === f.hook_name && ui === f.hook_ui_name && type === f.type,
    );
    if (!hook) throw fieldError("hook_name", "Hook not registered for this module");
    const s = S();
    const lookup: Record<string, (id: number) => boolean> = {
      ioc: (id) => s.iocs.get(id)?.cases.has(ctx.caseId) === true,
      asset: (id) => s.assets.get(id)?.case_id === ctx.caseId,
      note: (id) => s.notes.get(id)?.case_id === ctx.caseId,
      event: (id) => s.events.get(id)?.case_id === ctx.caseId,
      task: (id) => s.tasks.get(id)?.task_case_id === ctx.caseId,
      evidence: (id) => s.evidences.get(id)?.case_id === ctx.caseId,
      case: (id) => id === ctx.caseId,
    };
    for (const id of f.targets as number[])
      if (!lookup[f.type as string]?.(id)) throw fieldError("targets", `Invalid target ID ${id}`);
    for (const id of f.targets as number[]) {
      s.dimTasks.push({
        task_id: s.uuid(),
        state: "success",
        module: module.module_name,
        case: ctx.case?.name ?? "",
        user: ctx.user.login,
        date_done: new Date().toUTCString(),
      });
      // Enrichment modules leave a report on the IOC, as their real counterparts do.
      if (f.type === "ioc" && module.module_name !== "iris_check_module") {
        const ioc = s.iocs.get(id)!;
        ioc.custom_attributes = {
          ...ioc.custom_attributes,
          [hook[1].replace("Get ", "").replace(" insight", " report")]: {
            Summary: { type: "html", value: `Report for ${ioc.ioc_value}`, mandatory: false },
          },
        };
      }
    }
    s.log(
      ctx.caseId,
      ctx.user.id,
      `triggered hook ${f.hook_name} of ${f.module_name} on ${(f.targets as number[]).length} object(s)`,
    );
    return { message: `${(f.targets as number[]).length} hook(s) queued` };
  });
}

function accessList(level: number) {
  return Object.entries(ACCESS).map(([name, value]) => ({ name, value, enabled: value === level }));
}
