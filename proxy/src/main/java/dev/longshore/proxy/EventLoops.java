package dev.longshore.proxy;

import io.netty.channel.EventLoopGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/** Stopping Netty event loop groups on shutdown. */
public final class EventLoops {
    private static final Logger log = LoggerFactory.getLogger(EventLoops.class);

    private EventLoops() {
    }

    /**
     * Shuts {@code group} down, waiting a bounded time. Two manual runs were seen to wait forever on an unbounded wait
     * here after SIGTERM (an event loop that never finished its graceful shutdown; not reproduced since). Whatever the
     * cause, the index must still be closed cleanly and the process must exit, so a stuck group is only logged.
     */
    public static void stop(EventLoopGroup group, String name) {
        if (!group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS)) {
            log.warn("the {} event loops did not stop within 5 s; shutting down the rest anyway", name);
        }
    }
}
