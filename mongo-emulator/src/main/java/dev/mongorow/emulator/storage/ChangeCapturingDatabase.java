package dev.mongorow.emulator.storage;

/** A database whose collections report their changes to a {@link ChangeCapture}. */
interface ChangeCapturingDatabase {

    ChangeCapture changeCapture();
}
