package org.bpespark.pipeline;

import it.unimi.dsi.fastutil.objects.Object2IntOpenCustomHashMap;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import it.unimi.dsi.fastutil.bytes.ByteArrays;
import it.unimi.dsi.fastutil.objects.ObjectOpenCustomHashSet;
import org.bpespark.pipeline.format.ByteLevel;

/**
 * A trained byte-level BPE tokenizer's data: the vocabulary (id → bytes), the merges in rank order
 * and the special tokens. Immutable; {@link Tokenizer} encodes with it.
 *
 * <p>The standard layout ({@link #of(List, List)}, what the trainer produces and GPT-2 uses): ids
 * 0–255 are the single bytes in GPT-2's byte-to-unicode order ({@code !} is 0), id 256+i is merge i,
 * special tokens follow the merges ({@code <|endoftext|>} = 50256 with GPT-2's merges).
 * {@link #withVocab} accepts any other numbering, as long as it is consistent.
 */
public final class BpeModel implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    /** A merge: two tokens (as bytes) whose concatenation becomes a new token. */
    public record Merge(byte[] left, byte[] right) implements java.io.Serializable {
        public Merge {
            Objects.requireNonNull(left);
            Objects.requireNonNull(right);
        }

        public byte[] merged() {
            byte[] out = Arrays.copyOf(left, left.length + right.length);
            System.arraycopy(right, 0, out, left.length, right.length);
            return out;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Merge m && Arrays.equals(left, m.left) && Arrays.equals(right, m.right);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(left) + Arrays.hashCode(right);
        }

        @Override
        public String toString() {
            return ByteLevel.encode(left) + " " + ByteLevel.encode(right);
        }
    }

    private final byte[][] vocab;
    private final List<Merge> merges;
    /** Per rank: ids of the left part, the right part and the merged token. */
    private final int[] mergeLeft;
    private final int[] mergeRight;
    private final int[] mergeResult;
    private final List<String> specialTokens;
    private final int[] specialIds;
    private final int[] idOfByte = new int[256];

    private BpeModel(byte[][] vocab, List<Merge> merges, List<String> specialTokens, int[] specialIds) {
        this.vocab = vocab;
        this.merges = List.copyOf(merges);
        this.specialTokens = List.copyOf(specialTokens);
        this.specialIds = specialIds;
        Object2IntOpenCustomHashMap<byte[]> idOf = new Object2IntOpenCustomHashMap<>(vocab.length * 2, ByteArrays.HASH_STRATEGY);
        idOf.defaultReturnValue(-1);
        for (int id = 0; id < vocab.length; id++) {
            if (isSpecialId(id)) {
                continue;
            }
            int previous = idOf.put(vocab[id], id);
            if (previous >= 0) {
                throw new IllegalArgumentException("ids " + previous + " and " + id + " both hold the token "
                        + describe(vocab[id]));
            }
        }
        for (int id : specialIds) {
            idOf.putIfAbsent(vocab[id], id);
        }
        for (int b = 0; b < 256; b++) {
            idOfByte[b] = idOf.getInt(new byte[] {(byte) b});
            if (idOfByte[b] < 0) {
                throw new IllegalArgumentException("the vocabulary lacks the single byte 0x"
                        + HexFormat.of().toHexDigits((byte) b) + "; a byte-level vocabulary needs all 256");
            }
        }
        mergeLeft = new int[merges.size()];
        mergeRight = new int[merges.size()];
        mergeResult = new int[merges.size()];
        for (int rank = 0; rank < merges.size(); rank++) {
            Merge m = merges.get(rank);
            mergeLeft[rank] = requireId(idOf, m.left(), rank, "left part");
            mergeRight[rank] = requireId(idOf, m.right(), rank, "right part");
            mergeResult[rank] = requireId(idOf, m.merged(), rank, "result");
        }
    }

    private static int requireId(Object2IntOpenCustomHashMap<byte[]> idOf, byte[] token, int rank, String what) {
        int id = idOf.getInt(token);
        if (id < 0) {
            throw new IllegalArgumentException("merge #" + (rank + 1) + ": its " + what + " " + describe(token)
                    + " is not in the vocabulary");
        }
        return id;
    }

    /** A readable form of a token for error messages: its GPT-2 mapped form, quoted. */
    static String describe(byte[] token) {
        return "\"" + ByteLevel.encode(token) + "\"";
    }

    /**
     * The standard layout: 256 bytes in GPT-2 order, then the merges' results (a result that is
     * already a token keeps its id), then the special tokens.
     */
    public static BpeModel of(List<Merge> merges, List<String> specialTokens) {
        List<byte[]> vocab = new ArrayList<>(256 + merges.size() + specialTokens.size());
        for (int id = 0; id < 256; id++) {
            vocab.add(new byte[] {(byte) ByteLevel.byteOfId(id)});
        }
        Set<byte[]> seen = new ObjectOpenCustomHashSet<>(ByteArrays.HASH_STRATEGY);
        for (Merge m : merges) {
            // A merge whose result is already a token (ab+c after a+bc) reuses that id, as the trainer does.
            if (seen.add(m.merged())) {
                vocab.add(m.merged());
            }
        }
        return withVocab(vocab, merges, specialTokens);
    }

    /**
     * A model over a given vocabulary (index = id). Each special token whose bytes are not already a
     * vocabulary entry is appended with the next free id, in list order (as CS336's tests do).
     *
     * @throws IllegalArgumentException if a byte is missing, a token appears twice, or a merge names a
     *     token that is not in the vocabulary
     */
    public static BpeModel withVocab(List<byte[]> vocab, List<Merge> merges, List<String> specialTokens) {
        List<byte[]> all = new ArrayList<>(vocab);
        int[] specialIds = new int[specialTokens.size()];
        for (int i = 0; i < specialTokens.size(); i++) {
            byte[] bytes = specialTokens.get(i).getBytes(StandardCharsets.UTF_8);
            int id = indexOf(all, bytes);
            if (id < 0) {
                id = all.size();
                all.add(bytes);
            }
            specialIds[i] = id;
        }
        return new BpeModel(all.toArray(new byte[0][]), merges, specialTokens, specialIds);
    }

    private static int indexOf(List<byte[]> vocab, byte[] bytes) {
        for (int id = vocab.size() - 1; id >= 0; id--) {
            if (Arrays.equals(vocab.get(id), bytes)) {
                return id;
            }
        }
        return -1;
    }

    public int vocabSize() {
        return vocab.length;
    }

    /** The bytes of token {@code id} (a copy). */
    public byte[] tokenBytes(int id) {
        return vocab[id].clone();
    }

    /** Bytes of every token, by id; the caller must not modify them. */
    byte[][] vocabArray() {
        return vocab;
    }

    public List<Merge> merges() {
        return merges;
    }

    public int mergeCount() {
        return merges.size();
    }

    int mergeLeft(int rank) {
        return mergeLeft[rank];
    }

    int mergeRight(int rank) {
        return mergeRight[rank];
    }

    int mergeResult(int rank) {
        return mergeResult[rank];
    }

    public int idOfByte(int b) {
        return idOfByte[b & 0xFF];
    }

    public List<String> specialTokens() {
        return specialTokens;
    }

    /** The id of {@code specialTokens().get(index)}. */
    public int specialId(int index) {
        return specialIds[index];
    }

    /** The id of a special token, or -1 if the model does not have it. */
    public int specialId(String token) {
        int i = specialTokens.indexOf(token);
        return i < 0 ? -1 : specialIds[i];
    }

    public boolean isSpecialId(int id) {
        for (int s : specialIds) {
            if (s == id) {
                return true;
            }
        }
        return false;
    }

    /** Same merges, same special tokens, same ids. */
    @Override
    public boolean equals(Object o) {
        return o instanceof BpeModel m && Arrays.deepEquals(vocab, m.vocab) && merges.equals(m.merges)
                && specialTokens.equals(m.specialTokens) && Arrays.equals(specialIds, m.specialIds);
    }

    @Override
    public int hashCode() {
        return Objects.hash(merges, specialTokens);
    }

    /**
     * Java serialisation (Spark broadcasts the model) writes {@link SerializedForm} instead of the
     * object graph: GPT-2's 50,000 merges as records of two byte arrays made a 3 MB stream of
     * 150,000 objects that took an executor 165 ms to read before its first task could start.
     */
    private Object writeReplace() {
        return new SerializedForm(this);
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.InvalidObjectException {
        throw new java.io.InvalidObjectException("a BpeModel is read through its serialized form");
    }

    /** The vocabulary as one byte array with end offsets, the merges as pairs of ids. */
    private static final class SerializedForm implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        private final byte[] vocabBytes;
        private final int[] vocabEnds;
        private final int[] mergeLeft;
        private final int[] mergeRight;
        private final List<String> specialTokens;
        private final int[] specialIds;

        SerializedForm(BpeModel model) {
            vocabEnds = new int[model.vocab.length];
            int end = 0;
            for (int id = 0; id < model.vocab.length; id++) {
                end += model.vocab[id].length;
                vocabEnds[id] = end;
            }
            vocabBytes = new byte[end];
            for (int id = 0, start = 0; id < model.vocab.length; start = vocabEnds[id++]) {
                System.arraycopy(model.vocab[id], 0, vocabBytes, start, model.vocab[id].length);
            }
            mergeLeft = model.mergeLeft;
            mergeRight = model.mergeRight;
            specialTokens = model.specialTokens;
            specialIds = model.specialIds;
        }

        private Object readResolve() {
            byte[][] vocab = new byte[vocabEnds.length][];
            for (int id = 0, start = 0; id < vocab.length; start = vocabEnds[id++]) {
                vocab[id] = Arrays.copyOfRange(vocabBytes, start, vocabEnds[id]);
            }
            List<Merge> merges = new ArrayList<>(mergeLeft.length);
            for (int rank = 0; rank < mergeLeft.length; rank++) {
                merges.add(new Merge(vocab[mergeLeft[rank]], vocab[mergeRight[rank]]));
            }
            return new BpeModel(vocab, merges, specialTokens, specialIds);
        }
    }
}
