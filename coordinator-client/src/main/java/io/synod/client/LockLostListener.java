package io.synod.client;

/**
 * Told that a lock this client held is gone: its session expired (the cluster released everything the session held)
 * or an operator force-released it. Called on the client's conductor thread; must not block. From then on, writes
 * fenced with {@code fence} are refused by any resource that checks fences.
 */
@FunctionalInterface
public interface LockLostListener
{
    /**
     * @param name   the lock's name.
     * @param fence  the lost hold's fencing token (0 when the session expired and the fence is not known here).
     * @param reason why, for logs.
     */
    void onLockLost(String name, long fence, String reason);
}
