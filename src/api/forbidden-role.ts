import { AccessError } from "../core/errors.ts";
import { isRole, roleAllows } from "../core/roles.ts";
import type { Principal } from "./principal.ts";

/** Nobody hands out more than they have: a token's role is at most its creator's. */
export const ForbiddenRole = {
  check(principal: Principal, role: string): void {
    if (isRole(role) && !roleAllows(principal.role, role))
      throw new AccessError(
        "ForbiddenError",
        `${principal.actor} (${principal.role}) cannot grant the ${role} role`,
      );
  },
};
