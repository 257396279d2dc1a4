/** A record that could not be decoded or validated, with the reason, routed to the dead-letter sink. */
export interface DeadLetter {
  readonly reason: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  /** The raw bytes as they were read. */
  readonly value: Buffer | null;
  readonly timestamp?: number;
}
