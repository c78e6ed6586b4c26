package dev.longshore.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.time.Duration;

/**
 * Counts the responses under way across all connections, so a graceful shutdown can wait for them: once
 * {@link #drain() draining}, handlers answer with {@code Connection: close} and {@link #awaitIdle} waits for the count
 * to reach zero.
 */
public final class InFlightRequests {
    private int active;
    private volatile boolean draining;
    /** Client connections, for {@link #drainDeadline}; each leaves the group when it closes. */
    private final ChannelGroup connections = new DefaultChannelGroup("longshore-clients", GlobalEventExecutor.INSTANCE);

    synchronized void started() {
        active++;
    }

    synchronized void finished() {
        active--;
        if (active <= 0) {
            notifyAll();
        }
    }

    public synchronized int active() {
        return active;
    }

    /** Counts {@code connection} among those a shutdown will answer for (see {@link #drainDeadline}). */
    public void track(Channel connection) {
        connections.add(connection);
    }

    /**
     * The drain time ran out: every connection whose request is still waiting for its reply answers 503 now
     * ({@link RegistryHandler#DRAIN_DEADLINE}); replies already under way are left to finish or be cut.
     */
    public void drainDeadline() {
        for (Channel connection : connections) {
            connection.pipeline().fireUserEventTriggered(RegistryHandler.DRAIN_DEADLINE);
        }
    }

    /** From now on, connections close after their current response. */
    public void drain() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    /** Waits until no response is under way, for at most {@code timeout}; true if none is. */
    public synchronized boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (active > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }
}
