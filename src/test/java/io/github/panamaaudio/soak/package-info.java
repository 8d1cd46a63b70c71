/**
 * The soak test: {@link io.github.panamaaudio.soak.Soak}, a command-line program
 * that reads millions of packets from the tone backend and minutes of real-time
 * audio from a PulseAudio server while it watches errors, pool counters, heap,
 * RSS and off-heap memory; {@code scripts/soak} runs its long version and
 * {@link io.github.panamaaudio.soak.ShortSoakTest} its short one in every test run.
 */
package io.github.panamaaudio.soak;
