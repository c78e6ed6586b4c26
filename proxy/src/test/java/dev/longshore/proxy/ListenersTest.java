package dev.longshore.proxy;

import dev.longshore.config.HostPort;
import dev.longshore.config.Settings;
import dev.longshore.config.SettingsException;
import dev.longshore.config.UpstreamSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ListenersTest {
    @TempDir
    Path dir;

    private Settings settings(HostPort listen, HostPort adminListen) {
        UpstreamSettings upstream = new UpstreamSettings("registry.test", URI.create("http://127.0.0.1:9"), Optional.empty(),
                Duration.ofSeconds(1), Duration.ofSeconds(1));
        return new Settings(listen, dir.resolve("data"), List.of(upstream), Settings.DEFAULT_TAG_TTL, false)
                .withAdminListen(Optional.of(adminListen));
    }

    @Test
    void aTakenPort_isReportedUnderTheSettingThatNamesIt() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            HostPort takenPort = new HostPort("127.0.0.1", taken.getLocalPort());
            HostPort free = new HostPort("127.0.0.1", 0);

            assertThatThrownBy(() -> LongshoreServer.start(settings(takenPort, free)))
                    .isInstanceOfSatisfying(SettingsException.class, e -> assertThat(e.key()).isEqualTo("listen"))
                    .hasMessageContaining("cannot listen on " + takenPort);
            assertThatThrownBy(() -> LongshoreServer.start(settings(free, takenPort)))
                    .isInstanceOfSatisfying(SettingsException.class, e -> assertThat(e.key()).isEqualTo("adminListen"))
                    .hasMessageContaining("cannot listen on " + takenPort);
        }
    }
}
