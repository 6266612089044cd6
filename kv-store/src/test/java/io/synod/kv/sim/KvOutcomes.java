package io.synod.kv.sim;

import io.synod.kv.KeyValueStateMachine;
import io.synod.kv.KvClientCodec;
import io.synod.kv.KvResponse;
import io.synod.raft.testkit.linearizability.KvInput;
import io.synod.raft.testkit.linearizability.KvOutput;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;

/**
 * Translates between the {@link KeyValueStateMachine}'s wire forms ({@code KvCommand} bytes,
 * {@link KvResponse} frames) and the checker's {@link KvInput}/{@link KvOutput}, with keys and values as
 * ASCII strings. Allocates (tests only).
 */
public final class KvOutcomes
{
    private KvOutcomes()
    {
    }

    /**
     * Encodes the command a client sends for {@code input}.
     *
     * @param input a put, get, delete or compare-and-set by version.
     * @return a new {@code KvCommand} array.
     * @throws IllegalArgumentException for a compare-and-set by value, which the state machine does not offer.
     */
    public static byte[] command(final KvInput<String, String> input)
    {
        final byte[] key = bytes(input.key());
        if (input instanceof KvInput.Put<String, String> put)
        {
            return KvClientCodec.put(key, bytes(put.value()));
        }
        if (input instanceof KvInput.Get<String, String>)
        {
            return KvClientCodec.get(key);
        }
        if (input instanceof KvInput.Delete<String, String>)
        {
            return KvClientCodec.delete(key);
        }
        if (input instanceof KvInput.CasVersion<String, String> cas)
        {
            return KvClientCodec.compareAndSet(key, cas.expectedVersion(), bytes(cas.newValue()));
        }
        throw new IllegalArgumentException("the state machine has no " + input);
    }

    /**
     * What a client is told when {@code input} was answered with {@code response}.
     *
     * @param input    the operation.
     * @param response the state machine's {@link KvResponse} frame.
     * @param offset   where it starts.
     * @param length   its length.
     * @return the output the checker understands.
     * @throws IllegalStateException for a malformed response or a status the operation cannot have
     *                               (BAD_REQUEST included: the simulation only sends well-formed commands).
     */
    public static KvOutput<String> output(
        final KvInput<String, String> input, final DirectBuffer response, final int offset, final int length)
    {
        if (!KvClientCodec.isValidResponse(response, offset, length))
        {
            throw new IllegalStateException("malformed response of " + length + " bytes to " + input);
        }
        final int status = KvClientCodec.status(response, offset);
        final long version = KvClientCodec.version(response, offset);
        if (input instanceof KvInput.Put<String, String> && KvResponse.OK == status)
        {
            return KvOutput.written(version);
        }
        if (input instanceof KvInput.Get<String, String>)
        {
            if (KvResponse.OK == status)
            {
                final byte[] value = KvClientCodec.value(response, offset);
                return KvOutput.read(new String(value, StandardCharsets.US_ASCII), version);
            }
            if (KvResponse.NOT_FOUND == status)
            {
                return KvOutput.absent();
            }
        }
        if (input instanceof KvInput.Delete<String, String> && (KvResponse.OK == status || KvResponse.NOT_FOUND == status))
        {
            return KvOutput.deleted(KvResponse.OK == status);
        }
        if (input instanceof KvInput.CasVersion<String, String> &&
            (KvResponse.OK == status || KvResponse.VERSION_MISMATCH == status))
        {
            return KvOutput.cas(KvResponse.OK == status, version);
        }
        throw new IllegalStateException(
            "response " + KvResponse.statusName(status) + " v" + version + " cannot answer " + input);
    }

    /**
     * What a read of {@code key} served by {@code stateMachine} right now returns, through
     * {@link KeyValueStateMachine#read}: call it where the read is served (in {@code onReadReady}).
     *
     * @param stateMachine the serving member's state machine.
     * @param key          the key.
     * @param scratch      response scratch, reused.
     * @return a {@link KvOutput.Read}.
     */
    public static KvOutput<String> read(
        final KeyValueStateMachine stateMachine, final String key, final ExpandableArrayBuffer scratch)
    {
        final byte[] keyBytes = bytes(key);
        final int length = stateMachine.read(new UnsafeBuffer(keyBytes), 0, keyBytes.length, scratch, 0);
        return output(KvInput.get(key), scratch, 0, length);
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
