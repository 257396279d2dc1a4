import { deleteTopic } from './group-offsets';
import { createTopic } from './kafka';

/** The topics of a test file, created through it and deleted after each test: the shared broker keeps no leftovers. */
export interface ScratchTopics {
  create(topic: string, partitions: number, config?: Record<string, string>): Promise<void>;
  /** Topics made by something else (a runtime's internal topics), to delete with the rest. */
  track(...topics: string[]): void;
  /** Deletes every topic created or tracked so far; one already gone is fine. */
  dropAll(): Promise<void>;
}

/** @example const topics = scratchTopics(); afterEach(() => topics.dropAll()); */
export function scratchTopics(): ScratchTopics {
  const created: string[] = [];
  return {
    async create(topic, partitions, config) {
      created.push(topic);
      await createTopic(topic, partitions, config);
    },
    track: (...topics) => void created.push(...topics),
    async dropAll() {
      await Promise.all(created.splice(0).map((topic) => deleteTopic(topic).catch(() => undefined)));
    },
  };
}
