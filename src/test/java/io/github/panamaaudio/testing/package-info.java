/**
 * Test support: private audio servers started by the tests themselves, a
 * PulseAudio ({@link io.github.panamaaudio.testing.PulseServer}, shared through
 * {@link io.github.panamaaudio.testing.PulseServerExtension}) and a PipeWire
 * ({@link io.github.panamaaudio.testing.PipeWireServer}, shared through
 * {@link io.github.panamaaudio.testing.PipeWireServerExtension}), both seen as an
 * {@link io.github.panamaaudio.testing.AudioServer} so that a test can run on each
 * ({@link io.github.panamaaudio.testing.AudioServers}); and measurements on
 * captured audio ({@link io.github.panamaaudio.testing.Signals}). Real audio, no
 * sound card, no mocks.
 */
package io.github.panamaaudio.testing;
