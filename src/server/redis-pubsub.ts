/**
 * A boardgame.io `GenericPubSub` on Redis (ioredis): every instance publishes a match's updates
 * to `MATCH-<id>` and each instance's sockets for that match receive them, so players of one match
 * may sit on different instances. The payload is boardgame.io's full, unfiltered state: keep Redis
 * private to the servers.
 *
 * boardgame.io broadcasts a move before it writes it. A player on another instance could then
 * answer before the write lands, and that instance would refuse the answer as stale (and the
 * player would never learn it). Given `committed`, a new state is published only once the store
 * has committed it, and never if the write was refused.
 */
import { Redis } from 'ioredis';
import { Channels, afterCommit } from './transport.js';
import type { CommittedCheck, GenericPubSub } from './transport.js';

/** Redis pub/sub for boardgame.io's SocketIO transport. */
export class RedisPubSub<T = unknown> implements GenericPubSub<T> {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channels: Channels<T>;

  constructor(
    url: string,
    private readonly onError: (error: unknown) => void = () => {},
    private readonly committed?: CommittedCheck,
  ) {
    this.channels = new Channels(onError);
    this.publisher = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
    this.subscriber = new Redis(url, { lazyConnect: false });
    this.publisher.on('error', onError);
    this.subscriber.on('error', onError);
    this.subscriber.on('message', (channel: string, message: string) => {
      if (!this.channels.has(channel)) return;
      let payload: T;
      try {
        payload = JSON.parse(message) as T;
      } catch (error) {
        this.onError(error);
        return;
      }
      this.channels.deliver(channel, payload);
    });
  }

  publish(channelId: string, payload: T): void {
    afterCommit(this.committed, payload, () => this.send(channelId, payload), this.onError);
  }

  private send(channelId: string, payload: T): void {
    this.publisher.publish(channelId, JSON.stringify(payload)).catch(this.onError);
  }

  subscribe(channelId: string, callback: (payload: T) => void): void {
    if (this.channels.add(channelId, callback)) {
      this.subscriber.subscribe(channelId).catch(this.onError);
    }
  }

  unsubscribeAll(channelId: string): void {
    if (!this.channels.remove(channelId)) return;
    this.subscriber.unsubscribe(channelId).catch(this.onError);
  }

  /** Closes both connections. */
  async close(): Promise<void> {
    this.channels.clear();
    await Promise.allSettled([this.publisher.quit(), this.subscriber.quit()]);
  }
}
