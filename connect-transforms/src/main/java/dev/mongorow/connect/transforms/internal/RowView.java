package dev.mongorow.connect.transforms.internal;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A document seen as a row, without copying it: the id first (under the key field's name, replacing
 * {@code _id}), then the document's other fields, then a few added fields (soft-delete flag, metadata).
 * Read-only, as every record value a transform hands on must be treated.
 */
public final class RowView extends AbstractMap<String, Object> {
    private final String keyField;
    private final Object id;
    private final Map<String, Object> document;
    private final Map<String, Object> added;
    private final int size;

    /** {@code document} must not hold {@code keyField} itself; {@code added} may be empty, never null. */
    public RowView(String keyField, Object id, Map<String, Object> document, Map<String, Object> added) {
        this.keyField = keyField;
        this.id = id;
        this.document = document;
        this.added = added;
        int fields = 1 + document.size() - (document.containsKey("_id") ? 1 : 0);
        for (String name : added.keySet()) {
            if (!document.containsKey(name) || "_id".equals(name)) {
                fields++;
            }
        }
        this.size = fields;
    }

    @Override
    public Object get(Object name) {
        if (keyField.equals(name)) {
            return id;
        }
        if (added.containsKey(name)) {
            return added.get(name);
        }
        return "_id".equals(name) ? null : document.get(name);
    }

    @Override
    public boolean containsKey(Object name) {
        return keyField.equals(name) || added.containsKey(name) || !"_id".equals(name) && document.containsKey(name);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, Object>> iterator() {
                return new Entries();
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    /** The id, then the document's fields (without _id and without those the added ones replace), then the added. */
    private final class Entries implements Iterator<Entry<String, Object>> {
        private Iterator<Entry<String, Object>> fields = document.entrySet().iterator();
        private boolean idDone;
        private boolean inAdded;
        private Entry<String, Object> next;

        @Override
        public boolean hasNext() {
            if (next != null) {
                return true;
            }
            if (!idDone) {
                idDone = true;
                next = new SimpleImmutableEntry<>(keyField, id);
                return true;
            }
            while (fields.hasNext()) {
                Entry<String, Object> field = fields.next();
                if (inAdded || !"_id".equals(field.getKey()) && !added.containsKey(field.getKey())) {
                    next = inAdded ? field : new SimpleImmutableEntry<>(field.getKey(), field.getValue());
                    return true;
                }
            }
            if (!inAdded) {
                inAdded = true;
                fields = Collections.unmodifiableMap(added).entrySet().iterator();
                return hasNext();
            }
            return false;
        }

        @Override
        public Entry<String, Object> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Entry<String, Object> result = next;
            next = null;
            return result;
        }
    }
}
