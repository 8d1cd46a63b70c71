/**
 * Test support: a private PulseAudio server started by the tests themselves
 * ({@link io.github.panamaaudio.testing.PulseServer}, shared through
 * {@link io.github.panamaaudio.testing.PulseServerExtension}) and measurements on
 * captured audio ({@link io.github.panamaaudio.testing.Signals}). Real audio, no
 * sound card, no mocks.
 */
package io.github.panamaaudio.testing;
