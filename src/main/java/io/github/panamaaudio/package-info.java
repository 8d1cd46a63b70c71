/**
 * Panama Audio Capture: capture microphones and the system's own output
 * (loopback) through the Foreign Function and Memory API, with no JNI.
 *
 * <p>Start at {@link io.github.panamaaudio.AudioCapture}; configure a stream with
 * {@link io.github.panamaaudio.StreamConfig}; read
 * {@link io.github.panamaaudio.AudioPacket}s from an
 * {@link io.github.panamaaudio.AudioStream} and close each one; watch the pool
 * through {@link io.github.panamaaudio.PoolStats}. Failures are one
 * {@link io.github.panamaaudio.AudioException} with a kind.
 */
package io.github.panamaaudio;
