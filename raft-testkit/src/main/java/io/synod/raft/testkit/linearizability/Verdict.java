package io.synod.raft.testkit.linearizability;

/**
 * The answer of {@link LinearizabilityChecker}.
 */
public enum Verdict
{
    /** A linearization was found for every partition: the history is linearizable. */
    OK,

    /**
     * The search was exhaustive for at least one partition and found no linearization: the history is
     * not linearizable. Never the result of a budget running out.
     */
    ILLEGAL,

    /**
     * The budget ran out before an answer: no partition was found illegal, but at least one was not
     * fully checked. Neither a pass nor a failure; raise the budget or shorten the history.
     */
    UNKNOWN
}
