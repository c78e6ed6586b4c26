package dev.longshore.proxy.pull;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class InFlightTest {
    private final InFlight<String, String> inFlight = new InFlight<>();

    @Test
    void run_whileACallIsUnderWay_joinsIt_thenForgetsItOnCompletion() {
        AtomicInteger started = new AtomicInteger();
        CompletableFuture<String> upstream = new CompletableFuture<>();

        InFlight.Call<String> first = inFlight.run("k", () -> {
            started.incrementAndGet();
            return upstream;
        });
        InFlight.Call<String> second = inFlight.run("k", () -> {
            started.incrementAndGet();
            return CompletableFuture.completedFuture("other");
        });
        assertThat(started).hasValue(1);
        assertThat(first.joined()).isFalse();
        assertThat(second.joined()).isTrue();

        upstream.complete("answer");
        assertThat(first.result().join()).isEqualTo("answer");
        assertThat(second.result().join()).isEqualTo("answer");
        assertThat(inFlight.size()).isZero();
        assertThat(inFlight.run("k", () -> CompletableFuture.completedFuture("again")).result().join()).isEqualTo("again");
    }

    @Test
    void run_differentKeys_runSeparately_andFailuresReachEveryJoiner() {
        CompletableFuture<String> a = new CompletableFuture<>();
        InFlight.Call<String> first = inFlight.run("a", () -> a);
        InFlight.Call<String> joined = inFlight.run("a", CompletableFuture::new);
        InFlight.Call<String> other = inFlight.run("b", () -> CompletableFuture.completedFuture("b"));

        a.completeExceptionally(new IllegalStateException("down"));
        assertThat(first.result()).isCompletedExceptionally();
        assertThat(joined.result()).isCompletedExceptionally();
        assertThat(other.result().join()).isEqualTo("b");
        assertThat(inFlight.size()).isZero();
    }

    @Test
    void run_startThatThrows_failsTheCall_andLeavesNoEntry() {
        InFlight.Call<String> call = inFlight.run("k", () -> {
            throw new IllegalArgumentException("bad");
        });
        assertThat(call.result()).isCompletedExceptionally();
        assertThat(inFlight.size()).isZero();
    }
}
