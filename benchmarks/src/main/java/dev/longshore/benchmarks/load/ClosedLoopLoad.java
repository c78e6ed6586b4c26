package dev.longshore.benchmarks.load;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop load: {@code connections} keep-alive connections, each sending its next request as soon as the
 * previous response ends, first for a warm-up that is not recorded, then for the measured duration. A connection the
 * server closes (nginx does after {@code keepalive_requests}) is replaced. This is what wrk does, but it also speaks
 * {@code HEAD}, on which Debian's wrk 4.1 hangs.
 */
public final class ClosedLoopLoad {

    /** Latencies in nanoseconds of the responses that ended inside the measured window. */
    public record Result(long responses, long errors, double seconds, Histogram latencies) {

        public double requestsPerSecond() {
            return responses / seconds;
        }
    }

    private final HttpLoadClient client;
    private final HttpMethod method;
    private final String path;
    private final String accept;

    public ClosedLoopLoad(HttpLoadClient client, HttpMethod method, String path, String accept) {
        this.client = client;
        this.method = method;
        this.path = path;
        this.accept = accept;
    }

    public Result run(int connections, Duration warmup, Duration duration) throws InterruptedException {
        long measureFrom = System.nanoTime() + warmup.toNanos();
        long measureUntil = measureFrom + duration.toNanos();
        Recorder recorder = new Recorder(3);
        AtomicLong errors = new AtomicLong();
        CountDownLatch finished = new CountDownLatch(connections);
        for (int i = 0; i < connections; i++) {
            new Connection(measureFrom, measureUntil, recorder, errors, finished).open();
        }
        long waitNanos = measureUntil - System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        if (!finished.await(waitNanos, TimeUnit.NANOSECONDS)) {
            errors.addAndGet(finished.getCount());
        }
        Histogram latencies = recorder.getIntervalHistogram();
        return new Result(latencies.getTotalCount(), errors.get(), duration.toNanos() / 1e9, latencies);
    }

    /** One keep-alive connection's loop; it reconnects when the server closes it before the window ends. */
    private final class Connection extends SimpleChannelInboundHandler<HttpObject> {
        private final long measureFrom;
        private final long measureUntil;
        private final Recorder recorder;
        private final AtomicLong errors;
        private final CountDownLatch finished;
        private long sentAt;
        private boolean failed;
        private boolean keepAlive;
        private boolean inFlight;
        private boolean done;

        Connection(long measureFrom, long measureUntil, Recorder recorder, AtomicLong errors, CountDownLatch finished) {
            this.measureFrom = measureFrom;
            this.measureUntil = measureUntil;
            this.recorder = recorder;
            this.errors = errors;
            this.finished = finished;
        }

        void open() {
            client.connect(() -> this).addListener((ChannelFuture f) -> {
                if (f.isSuccess()) {
                    send(f.channel());
                } else {
                    errors.incrementAndGet();
                    end();
                }
            });
        }

        private void send(Channel channel) {
            inFlight = true;
            failed = false;
            sentAt = System.nanoTime();
            channel.writeAndFlush(client.request(method, path, accept));
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse response) {
                failed = response.status().code() / 100 != 2;
                keepAlive = HttpUtil.isKeepAlive(response);
            }
            if (msg instanceof LastHttpContent) {
                long now = System.nanoTime();
                inFlight = false;
                if (now >= measureFrom && sentAt >= measureFrom && now <= measureUntil) {
                    if (failed) {
                        errors.incrementAndGet();
                    } else {
                        recorder.recordValue(now - sentAt);
                    }
                }
                if (now < measureUntil && keepAlive) {
                    send(ctx.channel());
                } else if (now < measureUntil) {
                    ctx.close(); // channelInactive opens the next connection
                } else {
                    ctx.close();
                    end();
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (done) {
                return;
            }
            if (inFlight && System.nanoTime() >= measureFrom) {
                errors.incrementAndGet();
            }
            if (System.nanoTime() < measureUntil) {
                // A fresh handler instance per connection keeps the pipeline state simple.
                new Connection(measureFrom, measureUntil, recorder, errors, finished).open();
                done = true;
            } else {
                end();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        private void end() {
            if (!done) {
                done = true;
                finished.countDown();
            }
        }
    }
}
