package dev.longshore.proxy.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fails a test class when Netty reports a leaked buffer. Netty only logs leaks (when a leaked buffer is
 * collected and a later allocation notices), so this listens to its logger and provokes the check at the end.
 */
public final class LeakWatcher implements BeforeAllCallback, AfterAllCallback {

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    @Override
    public void beforeAll(ExtensionContext context) {
        appender.start();
        leakLogger().addAppender(appender);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            for (int round = 0; round < 3; round++) {
                System.gc();
                for (int i = 0; i < 100; i++) {
                    ByteBuf probe = ByteBufAllocator.DEFAULT.directBuffer(16); // allocation runs the leak check
                    probe.release();
                }
            }
            assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage)
                    .as("Netty reported leaked buffers").noneMatch(m -> m.contains("LEAK"));
        } finally {
            leakLogger().detachAppender(appender);
        }
    }

    private static Logger leakLogger() {
        return (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
    }
}
