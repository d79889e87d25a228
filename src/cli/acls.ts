// `rivulet acls add|list|remove`: Kafka-model ACLs (docs/security.md), on a stopped broker's data directory
// or, with --bootstrap, on a running broker through CreateAcls/DescribeAcls/DeleteAcls (as kafka-acls does),
// or, with --broker, over the WebSocket (CREATE_ACLS/DESCRIBE_ACLS/DELETE_ACLS) with the profile's credentials.
//
//   rivulet acls add --allow User:alice --operation read,describe --topic orders --prefixed
//   rivulet acls add --deny User:mallory --operation all --topic '*'
//   rivulet acls list [--principal User:alice] [--topic orders]
//   rivulet acls remove --principal User:alice --topic orders      (every binding the filter matches)

import { ApiKey } from "../protocol/kafka/index.js";
import { kafkaErrorByCode } from "../errors/index.js";
import {
  AclStore,
  CLUSTER_NAME,
  describeBinding,
  invalidBinding,
  Operation,
  operationName,
  parseOperation,
  PatternType,
  patternTypeName,
  Permission,
  permissionName,
  ResourceType,
  resourceTypeName,
  type ResourceType as ResourceTypeValue,
  type AclBinding,
  type AclFilter,
} from "../security/index.js";
import { defineCommand, type CommandGroup } from "./command.js";
import { CliError, UsageError } from "./errors.js";
import { adminFlags, withAdmin } from "./kafka-admin.js";
import { renderTable } from "./table.js";
import { checkOneWay, withStoppedBroker, wsAdminFlag } from "./users.js";
import { withBroker } from "./client.js";

const resourceFlags = {
  topic: { kind: "string", description: "a topic name ('*' = every topic)", placeholder: "NAME" },
  group: { kind: "string", description: "a consumer group id ('*' = every group)", placeholder: "ID" },
  "transactional-id": { kind: "string", description: "a transactional id", placeholder: "ID" },
  cluster: { kind: "boolean", description: "the cluster resource (kafka-cluster)" },
  prefixed: { kind: "boolean", description: "the name is a prefix (PREFIXED pattern) rather than a literal" },
  host: { kind: "string", description: "client address the ACL applies to ('*' = any)", placeholder: "HOST" },
  "data-dir": { kind: "string", description: "data directory of a stopped broker", default: "./data", env: "RIVULET_DATA_DIR", placeholder: "DIR" },
  ...adminFlags,
  ...wsAdminFlag,
} as const;

type ResourceFlags = { topic?: string; group?: string; "transactional-id"?: string; cluster: boolean; prefixed: boolean };

type Resource = { resourceType: ResourceTypeValue; resourceName: string };

function resourceOf(flags: ResourceFlags): Resource | undefined {
  const candidates: (Resource | false)[] = [
    flags.topic !== undefined && { resourceType: ResourceType.TOPIC, resourceName: flags.topic },
    flags.group !== undefined && { resourceType: ResourceType.GROUP, resourceName: flags.group },
    flags["transactional-id"] !== undefined && { resourceType: ResourceType.TRANSACTIONAL_ID, resourceName: flags["transactional-id"] },
    flags.cluster && { resourceType: ResourceType.CLUSTER, resourceName: CLUSTER_NAME },
  ];
  const given = candidates.filter((x): x is Resource => x !== false);
  if (given.length > 1) throw new UsageError("give one of --topic, --group, --transactional-id, --cluster");
  return given[0];
}

function operationsOf(text: string | undefined): number[] {
  if (!text) throw new UsageError("--operation is required (read, write, create, delete, alter, describe, describe-configs, alter-configs, cluster-action, idempotent-write, all)");
  try {
    return text.split(",").map((s) => parseOperation(s.trim()));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

const principalFlags = {
  allow: { kind: "string", multiple: true, description: "principal to allow (User:alice, User:*)", placeholder: "PRINCIPAL" },
  deny: { kind: "string", multiple: true, description: "principal to deny", placeholder: "PRINCIPAL" },
  operation: { kind: "string", description: "operations, comma-separated", placeholder: "LIST" },
} as const;

const add = defineCommand({
  name: "add",
  summary: "Add ACLs: --allow/--deny principals × --operation on one resource.",
  flags: { ...principalFlags, ...resourceFlags },
  async run({ flags }) {
    const resource = resourceOf(flags);
    if (!resource) throw new UsageError("give one of --topic, --group, --transactional-id, --cluster");
    const operations = operationsOf(flags.operation);
    const entries = [...flags.allow.map((p) => [p, Permission.ALLOW] as const), ...flags.deny.map((p) => [p, Permission.DENY] as const)];
    if (entries.length === 0) throw new UsageError("give at least one --allow or --deny principal");
    const patternType = flags.prefixed ? PatternType.PREFIXED : PatternType.LITERAL;
    const bindings = entries.flatMap(([principal, permission]) => operations.map((operation) => ({ ...resource, patternType, principal, host: flags.host ?? "*", operation, permission }) as AclBinding));
    for (const b of bindings) {
      const why = invalidBinding(b);
      if (why) throw new UsageError(why);
    }
    checkOneWay(flags);
    if (flags.broker !== undefined) {
      await withBroker(flags, (c) => c.admin.createAcls(bindings));
    } else if (flags.bootstrap) {
      const r = await withAdmin(flags, (c) =>
        c.request(ApiKey.CreateAcls, 1, { creations: bindings.map((b) => ({ resourceType: b.resourceType, resourceName: b.resourceName, resourcePatternType: b.patternType, principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permission })) }),
      );
      const bad = r.results.find((x) => x.errorCode !== 0);
      if (bad) throw new CliError(`CreateAcls failed: ${kafkaErrorByCode(bad.errorCode)}${bad.errorMessage ? ` (${bad.errorMessage})` : ""}`);
    } else {
      await withStoppedBroker(flags["data-dir"], () => AclStore.open(flags["data-dir"]).add(bindings));
    }
    for (const b of bindings) process.stdout.write(`added: ${describeBinding(b)}\n`);
  },
});

const filterFlags = { principal: { kind: "string", description: "only ACLs of this principal", placeholder: "PRINCIPAL" }, operation: { kind: "string", description: "only this operation", placeholder: "OP" } } as const;

function filterOf(flags: ResourceFlags & { principal?: string; operation?: string; host?: string }): AclFilter {
  const resource = resourceOf(flags);
  return {
    resourceType: resource?.resourceType ?? ResourceType.ANY,
    resourceName: resource?.resourceName ?? null,
    patternType: resource ? (flags.prefixed ? PatternType.PREFIXED : PatternType.LITERAL) : PatternType.ANY,
    principal: flags.principal ?? null,
    host: flags.host ?? null,
    operation: flags.operation ? operationsOf(flags.operation)[0]! : Operation.ANY,
    permission: Permission.ANY,
  };
}

const toFields = (f: AclFilter) => ({ resourceTypeFilter: f.resourceType, resourceNameFilter: f.resourceName, patternTypeFilter: f.patternType, principalFilter: f.principal, hostFilter: f.host, operation: f.operation, permissionType: f.permission });

function print(bindings: AclBinding[]): void {
  process.stdout.write(
    renderTable(
      ["PRINCIPAL", "HOST", "PERMISSION", "OPERATION", "RESOURCE", "PATTERN", "NAME"],
      bindings.map((b) => [b.principal, b.host, permissionName(b.permission), operationName(b.operation), resourceTypeName(b.resourceType), patternTypeName(b.patternType), b.resourceName]),
    ),
  );
}

const list = defineCommand({
  name: "list",
  summary: "List ACLs (all, or those matching the filter flags).",
  flags: { ...filterFlags, ...resourceFlags },
  async run({ flags }) {
    const filter = filterOf(flags);
    let bindings: AclBinding[];
    checkOneWay(flags);
    if (flags.broker !== undefined) {
      bindings = (await withBroker(flags, (c) => c.admin.describeAcls(filter))) as AclBinding[];
    } else if (flags.bootstrap) {
      const r = await withAdmin(flags, (c) => c.request(ApiKey.DescribeAcls, 1, toFields(filter)));
      if (r.errorCode !== 0) throw new CliError(`DescribeAcls failed: ${kafkaErrorByCode(r.errorCode)}${r.errorMessage ? ` (${r.errorMessage})` : ""}`);
      bindings = r.resources.flatMap((res) => res.acls.map((a) => ({ resourceType: res.resourceType, resourceName: res.resourceName, patternType: res.patternType, principal: a.principal, host: a.host, operation: a.operation, permission: a.permissionType }) as AclBinding));
    } else {
      bindings = AclStore.open(flags["data-dir"]).describe(filter);
    }
    print(bindings);
  },
});

const remove = defineCommand({
  name: "remove",
  summary: "Remove every ACL matching the filter flags (at least one filter flag is required).",
  flags: { ...filterFlags, ...resourceFlags },
  async run({ flags }) {
    if (!flags.principal && !resourceOf(flags) && !flags.operation && !flags.host) throw new UsageError("give a filter (--principal, --topic, --group, --cluster, --operation, --host): refusing to remove every ACL");
    const filter = filterOf(flags);
    let removed: AclBinding[];
    checkOneWay(flags);
    if (flags.broker !== undefined) {
      removed = (await withBroker(flags, (c) => c.admin.deleteAcls([filter])))[0] as AclBinding[];
    } else if (flags.bootstrap) {
      const r = await withAdmin(flags, (c) => c.request(ApiKey.DeleteAcls, 1, { filters: [toFields(filter)] }));
      const fr = r.filterResults[0];
      if (!fr || fr.errorCode !== 0) throw new CliError(`DeleteAcls failed: ${kafkaErrorByCode(fr?.errorCode ?? -1)}${fr?.errorMessage ? ` (${fr.errorMessage})` : ""}`);
      removed = fr.matchingAcls.map((a) => ({ resourceType: a.resourceType, resourceName: a.resourceName, patternType: a.patternType, principal: a.principal, host: a.host, operation: a.operation, permission: a.permissionType }) as AclBinding);
    } else {
      removed = await withStoppedBroker(flags["data-dir"], () => AclStore.open(flags["data-dir"]).delete([filter])[0]!);
    }
    for (const b of removed) process.stdout.write(`removed: ${describeBinding(b)}\n`);
    if (removed.length === 0) process.stdout.write("no ACL matched\n");
  },
});

export const acls: CommandGroup = {
  name: "acls",
  summary: "Manage ACLs (a stopped broker's --data-dir, or a running one with --bootstrap or --broker).",
  commands: [add, list, remove],
};
