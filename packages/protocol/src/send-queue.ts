// One send at a time through a ZeroMQ socket. zeromq.js refuses a second send while one is in
// flight (EBUSY, "only one send operation may be in progress at any time"), and a send is in
// flight until the event loop turns whenever the socket cannot take it at once, or after 512
// sends in a row without a turn of the loop (the binding's limit on synchronous sends). A worker
// whose steps never wait on I/O (ranks that meet through the shared-memory turn words; in
// principle also a lone rank whose STEPs came ahead) reaches that limit; its timer's HEARTBEAT
// then met its DONE in flight, and the refused DONE ended the run. So every send of a socket goes
// through its queue, in order.

export class SendQueue<F> {
  private tail: Promise<unknown> = Promise.resolve();
  /** Sends started and not yet ended. */
  private open = 0;

  constructor(private readonly sendNow: (frames: F) => Promise<void>) {}

  /**
   * Sends `frames` once every send queued before it has ended (sent or failed); with none open,
   * at once, inside this call, as the bare socket would (a worker that says FAILED and closes
   * its socket right after must not lose the message to a later turn).
   */
  send(frames: F): Promise<void> {
    const sent = this.open === 0 ? this.start(frames) : this.tail.then(() => this.start(frames));
    this.open++;
    this.tail = sent.then(
      () => void this.open--,
      () => void this.open--,
    );
    return sent;
  }

  private start(frames: F): Promise<void> {
    try {
      return this.sendNow(frames);
    } catch (error) {
      return Promise.reject(error as Error); // the binding throws some refusals instead of rejecting
    }
  }
}
