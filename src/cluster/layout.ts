// The cluster metadata as it lies in etcd (docs/cluster.md has the long form). Values are JSON.
//
//   <prefix>/brokers/<id>              BrokerInfo, put under the broker's lease (gone when it dies)
//   <prefix>/controller                ControllerInfo, under the controller's lease (the election)
//   <prefix>/controller_epoch          the last controller epoch handed out (a counter)
//   <prefix>/replication_secret        the replication port's shared secret (base64; cluster-secret.ts)
//   <prefix>/topics/<name>             TopicAssignment (written by the controller only)
//   <prefix>/partitions/<topic>/<p>    PartitionState  (written by the controller only)
//   <prefix>/requests/create/<name>    CreateRequest   (any broker asks; the controller acts, deletes it)
//   <prefix>/requests/delete/<name>    {}              (likewise)
//   <prefix>/requests/isr/<topic>/<p>  IsrRequest      (a leader proposes an ISR; the controller decides)
//   <prefix>/requests/partitions/<name> PartitionsRequest (add partitions; the controller places, deletes it)
//   <prefix>/draining/<id>             DrainMark       (`rivulet cluster drain`: move every replica away;
//                                                       deleted by `rivulet cluster remove`)
//   <prefix>/requests/reassign/<topic>/<p> ReassignRequest (AlterPartitionReassignments, `rivulet cluster
//                                                       reassign`: the controller moves the partition to
//                                                       the target replicas step by step, then deletes it)
//   <prefix>/configs/broker/<id>/<name> a dynamic broker config's value (plain text; <id> "default" is the
//                                                       cluster default, Kafka's resource name ""): the
//                                                       replication throttle rates (replication-quota.ts)
//   <prefix>/configs/topic/<topic>/<name> a dynamic topic config kept in etcd rather than topics.json: the
//                                                       throttled replica lists (every broker must see them)
//
// Every controller write is one etcd transaction conditioned on <prefix>/controller still holding the
// writer's own ControllerInfo: a deposed controller (lease expired, another elected) writes nothing.

export interface BrokerInfo {
  id: number;
  host: string;
  kafkaPort: number;
  wsPort: number;
  /** The replication listener (src/cluster/replica-transport.ts). */
  replicationPort: number;
  /** The replication listener speaks TLS (the broker has a certificate): connect with TLS. */
  replicationTls?: boolean;
  /** ws:// or wss:// */
  wsScheme?: string;
  /** --advertised-ws-url: published instead of the URL derived from host, wsPort and wsScheme. */
  wsUrl?: string;
}

export interface ControllerInfo {
  brokerId: number;
  epoch: number;
}

export interface TopicAssignment {
  name: string;
  /** The topic id every broker uses (UUID), chosen by the controller. */
  id?: string;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
  /** replicas[p] = broker ids, the first the preferred leader. */
  replicas: number[][];
}

export interface PartitionState {
  /** -1: offline (no live in-sync replica; unclean election is off). */
  leader: number;
  leaderEpoch: number;
  isr: number[];
  controllerEpoch: number;
}

export interface CreateRequest {
  partitions: number;
  replicationFactor?: number;
  configs: Record<string, string>;
  /**
   * Adoption of a topic a broker had before it first joined (node.ts): that broker holds the data, so it
   * is the first replica (and leader) of every partition, and the topic keeps its local id.
   */
  leader?: number;
  id?: string;
}

export interface IsrRequest {
  leader: number;
  leaderEpoch: number;
  isr: number[];
}

export interface PartitionsRequest {
  /** The new total partition count. */
  total: number;
}

/** A partition reassignment in progress (reassign.ts: reassignStep). */
export interface ReassignRequest {
  /** The replica set wanted, preferred leader first. */
  target: number[];
  /** The replica set when the first reassignment of this partition was asked for (a cancel goes back to it). */
  original: number[];
}

export interface DrainMark {
  /** When the drain was asked for (ms since the epoch). */
  since: number;
}

export class Keys {
  constructor(readonly prefix: string) {}
  brokers(): string { return `${this.prefix}/brokers/`; }
  broker(id: number): string { return `${this.prefix}/brokers/${id}`; }
  controller(): string { return `${this.prefix}/controller`; }
  controllerEpoch(): string { return `${this.prefix}/controller_epoch`; }
  replicationSecret(): string { return `${this.prefix}/replication_secret`; }
  topics(): string { return `${this.prefix}/topics/`; }
  topic(name: string): string { return `${this.prefix}/topics/${name}`; }
  partitions(): string { return `${this.prefix}/partitions/`; }
  partition(topic: string, p: number): string { return `${this.prefix}/partitions/${topic}/${p}`; }
  createRequests(): string { return `${this.prefix}/requests/create/`; }
  createRequest(name: string): string { return `${this.prefix}/requests/create/${name}`; }
  deleteRequests(): string { return `${this.prefix}/requests/delete/`; }
  deleteRequest(name: string): string { return `${this.prefix}/requests/delete/${name}`; }
  isrRequests(): string { return `${this.prefix}/requests/isr/`; }
  isrRequest(topic: string, p: number): string { return `${this.prefix}/requests/isr/${topic}/${p}`; }
  partitionsRequests(): string { return `${this.prefix}/requests/partitions/`; }
  partitionsRequest(name: string): string { return `${this.prefix}/requests/partitions/${name}`; }
  reassignRequests(): string { return `${this.prefix}/requests/reassign/`; }
  reassignRequest(topic: string, p: number): string { return `${this.prefix}/requests/reassign/${topic}/${p}`; }
  drainings(): string { return `${this.prefix}/draining/`; }
  draining(id: number): string { return `${this.prefix}/draining/${id}`; }
  dynamicConfigs(): string { return `${this.prefix}/configs/`; }
  /** `kind` broker: `name` is a broker id, or "" for the cluster default. */
  dynamicConfig(kind: "broker" | "topic", name: string, config: string): string { return `${this.prefix}/configs/${kind}/${dynamicName(kind, name)}/${config}`; }
  dynamicConfigsOf(kind: "broker" | "topic", name: string): string { return `${this.prefix}/configs/${kind}/${dynamicName(kind, name)}/`; }
}

function dynamicName(kind: "broker" | "topic", name: string): string {
  return kind === "broker" && name === "" ? "default" : name;
}

/** Dynamic configs by resource: broker id ("" = the cluster default) or topic name -> config -> value. */
export interface DynamicConfigs {
  brokers: Map<string, Record<string, string>>;
  topics: Map<string, Record<string, string>>;
}

/** Everything under the prefix, parsed. */
export interface ClusterSnapshot {
  brokers: Map<number, BrokerInfo>;
  controller: ControllerInfo | undefined;
  topics: Map<string, TopicAssignment>;
  /** key: `${topic}\0${p}` */
  partitions: Map<string, PartitionState>;
  createRequests: Map<string, CreateRequest>;
  deleteRequests: Set<string>;
  /** key: `${topic}\0${p}` */
  isrRequests: Map<string, IsrRequest>;
  partitionsRequests: Map<string, PartitionsRequest>;
  /** Brokers being drained (no new replicas; the controller moves theirs away). */
  draining: Set<number>;
  /** key: `${topic}\0${p}` */
  reassignments: Map<string, ReassignRequest>;
  /** <prefix>/configs/: the replication throttles. */
  configs: DynamicConfigs;
}

export function pkey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Parses a getAll() of the prefix into a snapshot (unknown keys are ignored). */
export function parseSnapshot(keys: Keys, all: Record<string, string>): ClusterSnapshot {
  const snap: ClusterSnapshot = { brokers: new Map(), controller: undefined, topics: new Map(), partitions: new Map(), createRequests: new Map(), deleteRequests: new Set(), isrRequests: new Map(), partitionsRequests: new Map(), draining: new Set(), reassignments: new Map(), configs: { brokers: new Map(), topics: new Map() } };
  for (const [key, value] of Object.entries(all)) {
    try {
      if (key === keys.controller()) snap.controller = JSON.parse(value) as ControllerInfo;
      else if (key.startsWith(keys.brokers())) {
        const info = JSON.parse(value) as BrokerInfo;
        snap.brokers.set(info.id, info);
      } else if (key.startsWith(keys.topics())) {
        const topic = JSON.parse(value) as TopicAssignment;
        snap.topics.set(topic.name, topic);
      } else if (key.startsWith(keys.partitions())) {
        const [topic, p] = splitPartitionKey(key.slice(keys.partitions().length));
        snap.partitions.set(pkey(topic, p), JSON.parse(value) as PartitionState);
      } else if (key.startsWith(keys.createRequests())) snap.createRequests.set(key.slice(keys.createRequests().length), JSON.parse(value) as CreateRequest);
      else if (key.startsWith(keys.deleteRequests())) snap.deleteRequests.add(key.slice(keys.deleteRequests().length));
      else if (key.startsWith(keys.isrRequests())) {
        const [topic, p] = splitPartitionKey(key.slice(keys.isrRequests().length));
        snap.isrRequests.set(pkey(topic, p), JSON.parse(value) as IsrRequest);
      } else if (key.startsWith(keys.reassignRequests())) {
        const [topic, p] = splitPartitionKey(key.slice(keys.reassignRequests().length));
        snap.reassignments.set(pkey(topic, p), JSON.parse(value) as ReassignRequest);
      } else if (key.startsWith(keys.partitionsRequests())) snap.partitionsRequests.set(key.slice(keys.partitionsRequests().length), JSON.parse(value) as PartitionsRequest);
      else if (key.startsWith(keys.dynamicConfigs())) addDynamicConfig(snap.configs, key.slice(keys.dynamicConfigs().length), value);
      else if (key.startsWith(keys.drainings())) {
        const id = Number(key.slice(keys.drainings().length));
        if (Number.isInteger(id)) snap.draining.add(id);
      }
    } catch {
      // A value we cannot parse (another version, a hand edit) is skipped, never fatal to the watcher.
    }
  }
  return snap;
}

/** `broker/<id>/<name>` or `topic/<topic>/<name>` (neither names nor ids hold '/'). */
function addDynamicConfig(configs: DynamicConfigs, rest: string, value: string): void {
  const [kind, name, config, extra] = rest.split("/");
  if (!name || !config || extra !== undefined) return;
  const map = kind === "broker" ? configs.brokers : kind === "topic" ? configs.topics : undefined;
  if (!map) return;
  const key = kind === "broker" && name === "default" ? "" : name;
  const entry = map.get(key) ?? {};
  entry[config] = value;
  map.set(key, entry);
}

/** `<topic>/<p>`: topic names cannot hold '/', so the last '/' splits. */
function splitPartitionKey(rest: string): [string, number] {
  const at = rest.lastIndexOf("/");
  return [rest.slice(0, at), Number(rest.slice(at + 1))];
}
