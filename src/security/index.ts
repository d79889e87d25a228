// Security: one principal model for both front ends (principal.ts), SASL/JWT authentication (sasl.ts,
// scram.ts, jwt.ts) over a durable user store, and Kafka-model ACLs (acl.ts, acl-store.ts, authorizer.ts).
export * from "./principal.js";
export * from "./acl.js";
export { AclStore, aclsPath } from "./acl-store.js";
export { AclAuthorizer, type Authorizer, type AuthorizerOptions } from "./authorizer.js";
export { JwtVerifier, TokenRejectedError, type JwtConfig, type VerifiedToken } from "./jwt.js";
export { AuthenticationFailedError, SASL_MECHANISMS, isSaslMechanism, type AuthResult, type SaslExchange, type SaslMechanism, type SaslStep } from "./sasl.js";
export * from "./scram.js";
export { Security, type Frontend, type SecurityConfig } from "./security.js";
export { UserStore, usersPath, checkUserName } from "./user-store.js";
export { ScramClient } from "./scram-client.js";
export { alterScramCredentials, createAcls, describeScramCredentials, type DescribedUser, type ScramDeletion, type ScramUpsertion, type UserResult } from "./admin-ops.js";
