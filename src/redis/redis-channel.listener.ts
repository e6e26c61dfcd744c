import type Redis from 'ioredis';

export interface ChannelHandlers {
  message: (message: string) => void;
  /** The connection dropped: messages may go unheard until `resubscribed`. */
  interrupted: () => void;
  /**
   * The subscription was renewed after the connection dropped: messages sent
   * meanwhile were lost, so whoever waits for one should look again.
   */
  resubscribed: () => void;
}

/**
 * One channel on a subscriber connection. `ready()` says when messages are
 * delivered; after a reconnect the listener subscribes again by itself.
 */
export class RedisChannelListener {
  private subscribed: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly subscriber: Redis,
    private readonly channel: string,
    private readonly handlers: ChannelHandlers,
  ) {
    subscriber.on('message', this.onMessage);
    subscriber.on('close', this.onClose);
    subscriber.on('ready', this.onReady);
  }

  /** Resolves once subscribed; rejects if Redis cannot be reached (the next call tries again). */
  ready(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the listener is closed'));
    if (this.subscribed === undefined) {
      const attempt: Promise<void> = this.subscriber.subscribe(this.channel).then(
        () => undefined,
        (error: unknown) => {
          if (this.subscribed === attempt) this.subscribed = undefined;
          throw error;
        },
      );
      this.subscribed = attempt;
    }
    return this.subscribed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.subscriber.off('message', this.onMessage);
    this.subscriber.off('close', this.onClose);
    this.subscriber.off('ready', this.onReady);
    if (this.subscriber.status === 'ready') this.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }

  private readonly onMessage = (channel: string, message: string): void => {
    if (channel === this.channel) this.handlers.message(message);
  };

  private readonly onClose = (): void => {
    const wasSubscribed = this.subscribed !== undefined;
    this.subscribed = undefined;
    if (wasSubscribed) this.handlers.interrupted();
  };

  private readonly onReady = (): void => {
    this.ready().then(
      () => this.handlers.resubscribed(),
      () => undefined, // the connection dropped again; the next 'ready' tries again
    );
  };
}
