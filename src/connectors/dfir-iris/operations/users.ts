import { Type } from "@sinclair/typebox";
import { ValidationError } from "../../sdk/index.ts";
import { Group, Id, IdList, NonEmpty, obj, Text, User, UserDetails, UserRow } from "../schemas.ts";
import { atLeastOne, irisOp } from "./define.ts";

const userId = { user_id: Id("User ID") };
const groupId = { group_id: Id("Group ID") };
export const AccessLevel = Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(4)], {
  description: "Case access level: 1 deny all, 2 read only, 4 full access",
});
const GroupDetails = Group;
const groupFields = {
  group_name: NonEmpty("Name of the group"),
  group_description: Text("Description"),
  group_permissions: Type.Integer({
    minimum: 0,
    description:
      "Permission bit mask (1 standard user, 2 server administrator, 64/128 customers read/write, …)",
  }),
};

/** Users, groups and who may access which case (administrators only). */
export const userOperations = [
  irisOp({
    name: "listUsers",
    title: "List users",
    description: "Every user.",
    method: "GET",
    path: "/manage/users/list",
    cid: "optional",
    output: Type.Array(UserRow),
  }),
  irisOp({
    name: "listUsersRestricted",
    title: "List users (any user)",
    description: "Every user's id, login, name and whether active: the view any user may have.",
    method: "GET",
    path: "/manage/users/restricted/list",
    cid: "optional",
    output: Type.Array(obj({ user_id: Type.Integer(), user_login: Type.String(), user_name: Type.String() })),
  }),
  irisOp({
    name: "lookupUserById",
    title: "Look a user up by id (any user)",
    description: "The login and name of a user, by id.",
    method: "GET",
    path: "/manage/users/lookup/id/{user_id}",
    cid: "optional",
    fields: userId,
    output: obj({ user_id: Type.Integer(), user_login: Type.String(), user_name: Type.String() }),
  }),
  irisOp({
    name: "lookupUserByLogin",
    title: "Look a user up by login (any user)",
    description:
      "A user's id, name, e-mail and whether active, by login; an unknown login is IRIS's \"Invalid login\".",
    method: "GET",
    path: "/manage/users/lookup/login/{login}",
    cid: "optional",
    fields: { login: NonEmpty("Login of the user") },
    output: UserRow,
  }),
  irisOp({
    name: "activateUser",
    title: "Activate a user",
    description: "Let a deactivated user sign in and use the API again.",
    method: "GET",
    path: "/manage/users/activate/{user_id}",
    cid: "optional",
    fields: userId,
    output: User,
  }),
  irisOp({
    name: "deactivateUser",
    title: "Deactivate a user",
    description:
      "Stop a user from signing in or using the API (one cannot deactivate oneself); a user must be deactivated before deletion.",
    method: "GET",
    path: "/manage/users/deactivate/{user_id}",
    cid: "optional",
    fields: userId,
    output: User,
  }),
  irisOp({
    name: "getUser",
    title: "Get a user",
    description: "A user with groups, case access, organisations and effective permissions.",
    method: "GET",
    path: "/manage/users/{user_id}",
    cid: "optional",
    fields: userId,
    output: UserDetails,
  }),
  irisOp({
    name: "addUser",
    title: "Add a user",
    description: "Create a user. The password needs 12 characters with an uppercase letter and a digit.",
    method: "POST",
    path: "/manage/users/add",
    cid: "optional",
    fields: {
      user_name: NonEmpty("Full name"),
      user_login: NonEmpty("Login (unique)"),
      user_email: NonEmpty("E-mail (unique)"),
      user_password: Type.String({ minLength: 1, description: "Password (IRIS policy applies)" }),
    },
    // IRIS answers with the new user's API key: a secret, so it never reaches run records or logs.
    response: (data) => {
      if (data === null || typeof data !== "object") return data;
      const { user_api_key: _secret, ...user } = data as Record<string, unknown>;
      return user;
    },
    output: User,
  }),
  irisOp({
    name: "updateUser",
    title: "Update a user",
    description: "Update a user's name, login, e-mail or password.",
    method: "POST",
    path: "/manage/users/update/{user_id}",
    cid: "optional",
    fields: {
      ...userId,
      user_name: Type.Optional(NonEmpty("Full name")),
      user_login: Type.Optional(NonEmpty("Login (unique)")),
      user_email: Type.Optional(NonEmpty("E-mail (unique)")),
      user_password: Type.Optional(Type.String({ minLength: 1, description: "New password" })),
    },
    check: atLeastOne("user_name", "user_login", "user_email", "user_password"),
    output: User,
  }),
  irisOp({
    name: "deleteUser",
    title: "Delete a user",
    description:
      'Delete a deactivated user whose work nothing references (IRIS refuses both others as "Cannot delete active user").',
    method: "POST",
    path: "/manage/users/delete/{user_id}",
    cid: "optional",
    fields: userId,
  }),
  irisOp({
    name: "updateUserGroups",
    title: "Update the groups of a user",
    description: "Set the groups a user belongs to (replaces the memberships).",
    method: "POST",
    path: "/manage/users/{user_id}/groups/update",
    cid: "optional",
    fields: { ...userId, groups_membership: IdList("IDs of the groups") },
    output: UserDetails,
  }),
  irisOp({
    name: "updateUserCasesAccess",
    title: "Update the case access of a user",
    description: "Give a user an access level on cases.",
    method: "POST",
    path: "/manage/users/{user_id}/cases-access/update",
    cid: "optional",
    fields: { ...userId, cases_list: IdList("IDs of the cases"), access_level: AccessLevel },
    output: UserDetails,
  }),
  irisOp({
    name: "deleteUserCasesAccess",
    title: "Remove cases access from a user",
    description: "Remove a user's own access entries on cases.",
    method: "POST",
    path: "/manage/users/{user_id}/cases-access/delete",
    cid: "optional",
    fields: { ...userId, cases: IdList("IDs of the cases") },
    output: UserDetails,
  }),
  irisOp({
    name: "deleteUserCaseAccess",
    title: "Remove one case access from a user",
    description: "Remove a user's own access entry on one case (its groups' access stays).",
    method: "POST",
    path: "/manage/users/{user_id}/case-access/delete",
    cid: "optional",
    fields: { ...userId, case: Id("ID of the case") },
    output: UserDetails,
  }),
  irisOp({
    name: "listGroups",
    title: "List the groups",
    description: "Every group with its members and permissions.",
    method: "GET",
    path: "/manage/groups/list",
    cid: "optional",
    output: Type.Array(Group),
  }),
  irisOp({
    name: "getGroup",
    title: "Get a group",
    description: "A group with members and case access.",
    method: "GET",
    path: "/manage/groups/{group_id}",
    cid: "optional",
    fields: groupId,
    output: GroupDetails,
  }),
  irisOp({
    name: "addGroup",
    title: "Add a group",
    description: "Create a group with a permission mask.",
    method: "POST",
    path: "/manage/groups/add",
    cid: "optional",
    fields: groupFields,
    output: Group,
  }),
  irisOp({
    name: "updateGroup",
    title: "Update a group",
    description: "Replace a group's name, description and permissions.",
    method: "POST",
    path: "/manage/groups/update/{group_id}",
    cid: "optional",
    fields: { ...groupId, ...groupFields },
    output: Group,
  }),
  irisOp({
    name: "deleteGroup",
    title: "Delete a group",
    description: "Delete a group (not the protected Administrators and Analysts groups).",
    method: "POST",
    path: "/manage/groups/delete/{group_id}",
    cid: "optional",
    fields: groupId,
  }),
  irisOp({
    name: "updateGroupMembers",
    title: "Set the members of a group",
    description: "Add users to a group.",
    method: "POST",
    path: "/manage/groups/{group_id}/members/update",
    cid: "optional",
    fields: { ...groupId, group_members: IdList("IDs of the users") },
    output: GroupDetails,
  }),
  irisOp({
    name: "deleteGroupMember",
    title: "Remove a member from a group",
    description: "Remove one user from a group.",
    method: "POST",
    path: "/manage/groups/{group_id}/members/delete/{user_id}",
    cid: "optional",
    fields: { ...groupId, ...userId },
    output: GroupDetails,
  }),
  irisOp({
    name: "updateGroupCasesAccess",
    title: "Set the case access of a group",
    description:
      "Give a group's members an access level on the listed cases (and stop following new ones), or with auto_follow_cases on every case, present and future.",
    method: "POST",
    path: "/manage/groups/{group_id}/cases-access/update",
    cid: "optional",
    fields: {
      ...groupId,
      access_level: AccessLevel,
      cases_list: Type.Optional(IdList("IDs of the cases (required unless auto_follow_cases)")),
      auto_follow_cases: Type.Optional(
        Type.Boolean({ description: "Grant this level on every case, and on every future one" }),
      ),
    },
    check: (input) => {
      if (input.auto_follow_cases !== true && input.cases_list === undefined)
        throw new ValidationError("cases_list is required unless auto_follow_cases is true", {
          field: "cases_list",
        });
    },
    output: GroupDetails,
  }),
  irisOp({
    name: "deleteGroupCasesAccess",
    title: "Remove case access from a group",
    description: "Remove a group's access entries on cases.",
    method: "POST",
    path: "/manage/groups/{group_id}/cases-access/delete",
    cid: "optional",
    fields: { ...groupId, cases: IdList("IDs of the cases") },
    output: GroupDetails,
  }),
];
