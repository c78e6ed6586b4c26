package dev.longshore.proxy.fill;

import dev.longshore.proxy.upstream.UpstreamException;
import io.netty.handler.timeout.ReadTimeoutException;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;

class UpstreamFailuresTest {

    @Test
    void transportFailures_areDescribedInWords_notJavaClassNames() {
        assertThat(UpstreamFailures.describe(new ConnectException("Connection refused: /127.0.0.1:9")))
                .isEqualTo("cannot connect: Connection refused: /127.0.0.1:9");
        assertThat(UpstreamFailures.describe(new UnknownHostException("registry.invalid")))
                .isEqualTo("unknown host: registry.invalid");
        assertThat(UpstreamFailures.describe(ReadTimeoutException.INSTANCE)).isEqualTo("timed out");
        assertThat(UpstreamFailures.describe(new ClosedChannelException())).isEqualTo("connection closed");
        assertThat(UpstreamFailures.describe(new UpstreamException("body ended after 5 of 10 bytes")))
                .isEqualTo("body ended after 5 of 10 bytes");
        assertThat(UpstreamFailures.transport(null, new CompletionException(new ConnectException("Connection refused"))).detail())
                .isEqualTo("the upstream failed: cannot connect: Connection refused")
                .doesNotContain("java.");
    }
}
