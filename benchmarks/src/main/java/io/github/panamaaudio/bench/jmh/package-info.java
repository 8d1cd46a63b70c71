/**
 * JMH benchmarks. Each benchmark class forks with
 * {@code --enable-native-access=ALL-UNNAMED}; run them through
 * {@code java -jar benchmarks/target/benchmarks.jar} (see {@code scripts/bench}),
 * with {@code -prof gc} to get {@code gc.alloc.rate.norm} (bytes per operation).
 */
package io.github.panamaaudio.bench.jmh;
