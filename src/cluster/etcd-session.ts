// One broker's connection to etcd: its registration under a lease, a live view of the whole cluster
// metadata (reloaded on every watch event, and on a timer as a safety net across etcd restarts), and the
// controller election. The lease is the broker's life in the cluster: when keepalives stop reaching etcd
// for the TTL, its registration (and its controllership) vanish and the others act.

import { EventEmitter } from "node:events";
import { noop } from "cockatiel";
import { Etcd3, type Lease, type Watcher } from "etcd3";
import { FailureEpisodes } from "../failure-episodes.js";
import type { Logger } from "../log.js";
import { Keys, parseSnapshot, type BrokerInfo, type ClusterSnapshot, type ControllerInfo } from "./layout.js";
import { readSnapshot } from "./read-snapshot.js";

export interface SessionOptions {
  endpoints: string[];
  prefix: string;
  leaseTtlSeconds: number;
  logger: Logger;
}

/** A registration that may succeed if tried again: the id is still held by a lapsing lease, or the lease was lost meanwhile. */
class RegistrationRefused extends Error {}

const registrationFailures = FailureEpisodes.byObject<EtcdSession>({
  started: "re-registration failed; retrying",
  continues: "re-registration still failing; retrying",
  ended: "registered again",
});

export class EtcdSession extends EventEmitter {
  readonly client: Etcd3;
  readonly keys: Keys;
  private lease: Lease | undefined;
  private watcher: Watcher | undefined;
  private refreshTimer: ReturnType<typeof setInterval> | undefined;
  private reloadQueued = false;
  private reloading: Promise<void> | undefined;
  private closed = false;
  private info: BrokerInfo | undefined;
  /** The latest metadata seen (empty until the first load). */
  snapshot: ClusterSnapshot;
  /** This broker's controllership, while it holds it. */
  controller: ControllerInfo | undefined;

  constructor(readonly options: SessionOptions) {
    super();
    // No client-side circuit breaker or retries: with one etcd the default breaker stays open for 5 s after
    // a restart; every caller here retries on its own schedule (reloads on a timer, re-registration loop).
    this.client = new Etcd3({ hosts: options.endpoints, dialTimeout: 2000, faultHandling: { host: () => noop, global: noop } });
    this.keys = new Keys(options.prefix);
    this.snapshot = parseSnapshot(this.keys, {});
  }

  /** Registers the broker (failing if another live broker has its id) and starts watching. */
  async start(info: BrokerInfo): Promise<void> {
    this.info = info;
    // After a kill -9 the previous run's registration lives until its lease expires: wait that out (and retry a
    // lease lost while registering: etcd restarting as the broker starts).
    const deadline = Date.now() + this.options.leaseTtlSeconds * 1000 + 3000;
    for (;;) {
      try {
        await this.register();
        break;
      } catch (error) {
        if (Date.now() > deadline || !(error instanceof RegistrationRefused)) throw error;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
    this.watcher = await this.client.watch().prefix(this.keys.prefix + "/").create();
    this.watcher.on("put", () => this.queueReload());
    this.watcher.on("delete", () => this.queueReload());
    this.watcher.on("connected", () => this.queueReload());
    this.watcher.on("error", (error) => this.options.logger.warn("etcd watch error", { error: String(error) }));
    this.refreshTimer = setInterval(() => this.queueReload(), 1000);
    await this.reload();
  }

  private async register(): Promise<void> {
    const info = this.info!;
    const lease = this.client.lease(this.options.leaseTtlSeconds, { autoKeepAlive: true });
    this.lease = lease;
    // A lease lost before it carried the registration is this attempt failing (etcd still away), which the
    // attempt reports itself: not a second loss of the registration, nor a second fencing.
    let registered = false;
    let lostWhileRegistering = false;
    lease.on("lost", (error) => {
      if (this.closed || this.lease !== lease) return;
      if (!registered) {
        lostWhileRegistering = true;
        return;
      }
      this.options.logger.warn("etcd lease lost: fenced until registered again", { error: String(error) });
      this.controller = undefined;
      this.lease = undefined;
      this.emit("fenced");
      this.reRegister();
    });
    let put: { succeeded: boolean };
    try {
      put = await this.client
        .if(this.keys.broker(info.id), "Create", "==", 0)
        .then(lease.put(this.keys.broker(info.id)).value(JSON.stringify(info)))
        .commit();
    } catch (error) {
      if (this.lease === lease) this.lease = undefined;
      lease.revoke().catch(() => {});
      throw error;
    }
    if (!put.succeeded || lostWhileRegistering) {
      if (this.lease === lease) this.lease = undefined;
      await lease.revoke().catch(() => {});
      throw new RegistrationRefused(lostWhileRegistering ? "the lease was lost while registering" : `broker id ${info.id} is already registered by a live broker`);
    }
    registered = true;
    this.options.logger.info("registered with the cluster", { brokerId: info.id, leaseTtl: this.options.leaseTtlSeconds });
  }

  private reRegistering = false;

  private reRegister(): void {
    if (this.reRegistering) return;
    this.reRegistering = true;
    const attempt = () => {
      if (this.closed) return;
      this.register().then(
        () => {
          this.reRegistering = false;
          registrationFailures.succeeded(this, this.options.logger);
          this.queueReload();
        },
        (error) => {
          // Every 500 ms for as long as etcd is away: one warning for the outage, not two a second.
          registrationFailures.failed(this, this.options.logger, { error: String(error) });
          setTimeout(attempt, 500).unref();
        },
      );
    };
    attempt();
  }

  get leaseId(): Promise<string> | undefined {
    return this.lease?.grant();
  }

  /** True while the broker holds a lease (is alive to the cluster). */
  get registered(): boolean {
    return this.lease !== undefined;
  }

  queueReload(): void {
    if (this.closed) return;
    if (this.reloading) {
      this.reloadQueued = true;
      return;
    }
    this.reloading = this.reload()
      .catch((error) => this.options.logger.debug("metadata reload failed", { error: String(error) }))
      .finally(() => {
        this.reloading = undefined;
        if (this.reloadQueued) {
          this.reloadQueued = false;
          this.queueReload();
        }
      });
  }

  private async reload(): Promise<void> {
    const snapshot = await readSnapshot(this.client, this.keys);
    if (this.closed) return;
    this.snapshot = snapshot;
    if (this.controller && (this.snapshot.controller?.brokerId !== this.controller.brokerId || this.snapshot.controller.epoch !== this.controller.epoch)) {
      this.options.logger.warn("controllership lost", { epoch: this.controller.epoch });
      this.controller = undefined;
    }
    this.emit("change", this.snapshot);
    if (!this.snapshot.controller && this.lease) await this.campaign();
  }

  /**
   * The election: whoever creates <prefix>/controller (under its lease) first wins, taking the next
   * controller epoch in the same transaction. It holds while its lease lives.
   */
  private async campaign(): Promise<void> {
    const lease = this.lease;
    if (!lease || this.closed) return;
    // A broker being drained leaves the office to the others (it is about to be stopped).
    const snap = this.snapshot;
    if (snap.draining.has(this.info!.id) && [...snap.brokers.keys()].some((id) => !snap.draining.has(id))) return;
    const epochKey = this.keys.controllerEpoch();
    const current = await this.client.get(epochKey).string();
    const epoch = Number(current ?? "0") + 1;
    const info: ControllerInfo = { brokerId: this.info!.id, epoch };
    const cmp = current === null ? this.client.if(epochKey, "Create", "==", 0) : this.client.if(epochKey, "Value", "==", current);
    const result = await cmp
      .and(this.keys.controller(), "Create", "==", 0)
      .then(lease.put(this.keys.controller()).value(JSON.stringify(info)), this.client.put(epochKey).value(String(epoch)))
      .commit();
    if (result.succeeded) {
      this.controller = info;
      this.options.logger.info("elected controller", { brokerId: info.brokerId, epoch });
      this.queueReload();
    }
  }

  /**
   * A controller write: `ops` applied only while <prefix>/controller still holds our ControllerInfo.
   * Returns false (nothing written) once we are deposed.
   */
  async controllerTxn(build: (txn: ReturnType<Etcd3["if"]>) => Promise<{ succeeded: boolean }>): Promise<boolean> {
    const me = this.controller;
    if (!me) return false;
    const txn = this.client.if(this.keys.controller(), "Value", "==", JSON.stringify(me));
    const ok = (await build(txn)).succeeded;
    if (!ok) {
      // Either we were deposed or another condition of the transaction failed (state moved meanwhile).
      const holder = await this.client.get(this.keys.controller()).string();
      if (holder !== JSON.stringify(me) && this.controller === me) this.controller = undefined;
      this.queueReload();
    }
    return ok;
  }

  /** Gives up the controllership (a draining broker): deletes <prefix>/controller if it is still ours. */
  async resign(): Promise<void> {
    const me = this.controller;
    if (!me) return;
    const done = await this.client.if(this.keys.controller(), "Value", "==", JSON.stringify(me)).then(this.client.delete().key(this.keys.controller())).commit();
    if (this.controller === me) this.controller = undefined;
    if (done.succeeded) this.options.logger.info("resigned the controllership (draining)", { epoch: me.epoch });
  }

  /** Ask the controller for something (requests/...): any broker may write there. */
  async request(key: string, value: unknown): Promise<void> {
    await this.client.put(key).value(JSON.stringify(value));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.refreshTimer);
    await this.watcher?.cancel().catch(() => {});
    // Revoking the lease removes the registration (and controllership) at once instead of after the TTL.
    await this.lease?.revoke().catch(() => {});
    this.client.close();
  }
}
