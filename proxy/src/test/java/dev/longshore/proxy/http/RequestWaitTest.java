package dev.longshore.proxy.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.stream.ChunkedWriteHandler;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A connection that does not deliver a complete request head in time is closed, so idle or dripping clients cannot hoard sockets. */
class RequestWaitTest {

    private static EmbeddedChannel connection() {
        // No request completes in these tests, so the service is never asked.
        return new EmbeddedChannel(new HttpServerCodec(), new ChunkedWriteHandler(),
                new RegistryHandler(null, RequestObserver.NONE, new InFlightRequests(), Duration.ofSeconds(60)));
    }

    @Test
    void idleConnection_isClosedAfterTheRequestWait() {
        EmbeddedChannel channel = connection();

        channel.advanceTimeBy(59, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isTrue();

        channel.advanceTimeBy(2, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void clientDrippingHeaderLines_isClosedAfterTheRequestWait() {
        EmbeddedChannel channel = connection();
        channel.writeInbound(Unpooled.copiedBuffer("GET /v2/ HTTP/1.1\r\n", StandardCharsets.US_ASCII));
        int seconds = 0;
        while (channel.isOpen() && seconds < 120) {
            channel.writeInbound(Unpooled.copiedBuffer("X-Drip: a\r\n", StandardCharsets.US_ASCII));
            channel.advanceTimeBy(1, TimeUnit.SECONDS);
            channel.runScheduledPendingTasks();
            seconds++;
        }
        assertThat(channel.isOpen()).isFalse();
        assertThat(seconds).isBetween(60, 61);
        channel.finishAndReleaseAll();
    }
}
