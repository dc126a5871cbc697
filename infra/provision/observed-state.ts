/** A subscription as provision needs to see it. */
export interface ObservedSubscription {
  /** Full name: projects/P/subscriptions/S. */
  name: string;
  /** Full topic name. */
  topic: string;
  pushEndpoint?: string | undefined;
  /** Known to be this function's trigger subscription without looking at its name (the dry run's
   * placeholder). */
  triggerOf?: string;
  deadLetterPolicy?: { deadLetterTopic: string; maxDeliveryAttempts: number } | undefined;
  retryPolicy?: { minimumBackoffSeconds: number; maximumBackoffSeconds: number } | undefined;
}

/** The Pub/Sub state of the project that matters to the plan. */
export interface ObservedPubSub {
  /** Full names of the topics that exist (among those provision manages). */
  topics: string[];
  /** Subscriptions of the managed topics. */
  subscriptions: ObservedSubscription[];
  /**
   * Members per role, per full resource name; undefined where the policy could not be read (the
   * emulator has no IAM), in which case every grant is planned and the executor decides.
   */
  policies?: Record<string, Record<string, string[]>> | undefined;
}

/**
 * What a dry run assumes, since it reads nothing: an empty project except the subscriptions the
 * functions' triggers create, named by a placeholder because only a real run can find them.
 */
export function dryRunObservation(
  triggers: { topic: string; triggerFunction: string }[],
): ObservedPubSub {
  return {
    topics: [],
    subscriptions: triggers.map(({ topic, triggerFunction }) => ({
      name: `<subscription of the ${triggerFunction} trigger, found at run time>`,
      topic,
      triggerOf: triggerFunction,
    })),
  };
}
