package dev.mongorow.emulator.changestream;

import de.bwaldvogel.mongo.bson.Document;

/** Reads the current version of a document for {@code fullDocument: updateLookup}. */
@FunctionalInterface
public interface DocumentLookup {

    /** A private copy of the document with this {@code _id}, or null if the collection or document does not exist. */
    Document findById(String database, String collection, Object id);
}
