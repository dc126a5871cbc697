/** A subscription as provision needs to see it. */
export interface ObservedSubscription {
  /** Full name: projects/P/subscriptions/S. */
  name: string;
  /** Full topic name. */
  topic: string;
  pushEndpoint?: string | undefined;
  /** Known to be the persist trigger's without looking at its name (the dry run's placeholder). */
  persistTrigger?: true;
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
 * What a dry run assumes, since it reads nothing: an empty project except the subscription the
 * persist trigger creates, named by a placeholder because only a real run can find it.
 */
export function dryRunObservation(topic: string): ObservedPubSub {
  return {
    topics: [],
    subscriptions: [
      {
        name: '<subscription of the persist trigger, found at run time>',
        topic,
        persistTrigger: true,
      },
    ],
  };
}
