package io.synod.coordinator.cli;

import io.synod.client.ClientProtocol;
import io.synod.client.ClientRequest;
import io.synod.client.ClientResponse;
import io.synod.transport.aeron.AeronRuntime;
import io.synod.transport.aeron.AeronServiceClient;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The client protocol by hand, for tests that must control exactly what is sent: the same (session, sequence)
 * twice, or frames no {@code SynodClient} would send. One thread.
 */
final class RawClient implements AutoCloseable
{
    private final AeronRuntime runtime;
    private final AeronServiceClient client;
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[ClientProtocol.MAX_REQUEST_LENGTH]);
    private final ClientResponse response = new ClientResponse();
    private final AeronServiceClient.MessageHandler handler = this::onMessage;
    private long awaitedRequestId;
    private byte[] answer;

    RawClient(final int clusterId, final Map<Integer, String> members) throws Exception
    {
        runtime = AeronRuntime.embedded();
        final int port;
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            port = socket.getLocalPort();
        }
        final AeronServiceClient.Context ctx = new AeronServiceClient.Context().clusterId(clusterId)
            .clientId(System.nanoTime() & Long.MAX_VALUE | 1).endpoint("127.0.0.1:" + port);
        members.forEach(ctx::member);
        client = new AeronServiceClient(runtime.aeron(), ctx, ClientProtocol.MAX_REQUEST_LENGTH);
    }

    /** Says hello to {@code member} until it answers. */
    void connect(final int member, final long timeoutMs) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!client.isConnected(member))
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("member " + member + " did not answer hello");
            }
            client.hello(member);
            for (int i = 0; i < 20; i++)
            {
                client.poll(handler, 10);
                Thread.sleep(1);
            }
        }
    }

    /** Sends raw bytes as a message to the client service. */
    void sendRaw(final int member, final byte[] body)
    {
        frame.putBytes(0, body);
        client.send(member, ClientProtocol.SERVICE_ID, 0, frame, 0, body.length);
    }

    /**
     * Sends a request and waits for its answer.
     *
     * @return the whole answer (header and body), or null if none came in time.
     */
    byte[] call(
        final int member, final int op, final int readMode, final long requestId, final long session, final long argument,
        final byte[] body, final long timeoutMs) throws InterruptedException
    {
        final int length = new ClientRequest().wrap(frame, 0).encodeHeader(op, readMode, requestId, session, argument);
        frame.putBytes(length, body);
        awaitedRequestId = requestId;
        answer = null;
        client.send(member, ClientProtocol.SERVICE_ID, 0, frame, 0, length + body.length);
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (answer == null && System.nanoTime() < deadline)
        {
            if (client.poll(handler, 10) == 0)
            {
                Thread.sleep(1);
            }
        }
        return answer;
    }

    private void onMessage(final int from, final int serviceId, final int flags, final DirectBuffer buffer, final int offset, final int length)
    {
        if (response.wrap(buffer, offset).validate(length) && response.requestId() == awaitedRequestId)
        {
            answer = new byte[length];
            buffer.getBytes(offset, answer);
        }
    }

    @Override
    public void close()
    {
        CloseHelper.quietCloseAll(client, runtime);
    }
}
