package dev.longshore.benchmarks.jmh;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The settings every Longshore microbenchmark shares (JMH inherits these annotations): one forked JVM with the heap
 * and flags the mirror would run with, short warm-up and measurement so a whole run stays in minutes on a small
 * machine. Build and run them all, or pick by regex, with:
 * <pre>
 * ./mvnw -q -B -DskipTests package
 * java -jar benchmarks/target/benchmarks.jar                 # everything
 * java -jar benchmarks/target/benchmarks.jar RouteParse      # one class
 * java -jar benchmarks/target/benchmarks.jar -f 3 -wi 5 -i 10 Digest   # more forks/iterations for a decision
 * </pre>
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public abstract class MicroBenchmark {
}
