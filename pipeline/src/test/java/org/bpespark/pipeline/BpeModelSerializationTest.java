package org.bpespark.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Java serialisation of a model (how Spark broadcasts it): the copy has the same vocabulary, merges,
 * special tokens and ids and encodes text the same, through the compact serialized form.
 */
class BpeModelSerializationTest {
    private static final String EOT = "<|endoftext|>";

    private static byte[] serialize(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }

    private static Object deserialize(byte[] bytes) throws IOException, ClassNotFoundException {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return in.readObject();
        }
    }

    @Test
    void gpt2RoundTripsCompactlyAndEncodesTheSame() throws Exception {
        BpeModel gpt2 = Conformance.gpt2(List.of(EOT, EOT + EOT));
        byte[] stream = serialize(gpt2);
        assertTrue(stream.length < 1_500_000, "GPT-2's model serialised to " + stream.length + " bytes");
        BpeModel copy = (BpeModel) deserialize(stream);
        assertEquals(gpt2, copy);
        assertEquals(gpt2.merges(), copy.merges());
        assertEquals(gpt2.specialTokens(), copy.specialTokens());
        for (int id = 0; id < gpt2.vocabSize(); id++) {
            assertArrayEquals(gpt2.tokenBytes(id), copy.tokenBytes(id), "token " + id);
        }
        String text = Files.readString(Conformance.fixture("tinystories_sample.txt"));
        assertArrayEquals(new Tokenizer(gpt2).encode(text), new Tokenizer(copy).encode(text));
    }

    @Test
    void aTrainedModelWithItsOwnNumberingRoundTrips() throws Exception {
        PreTokenCounter counter = new PreTokenCounter(new org.bpespark.pipeline.text.SpecialTokens(List.of(EOT)));
        counter.add("low lower lowest" + EOT + "newer newest wider" + EOT + "héllo wörld 123 456");
        BpeModel trained = new BpeTrainer(300, List.of(EOT)).train(counter.toCounts());
        BpeModel copy = (BpeModel) deserialize(serialize(trained));
        assertEquals(trained, copy);
        assertEquals(trained.specialId(EOT), copy.specialId(EOT));
    }

    @Test
    void theObjectGraphFormIsRefused() {
        // A stream claiming to be a BpeModel itself (not its serialized form) must not bypass the constructor's checks.
        InvalidObjectException e = assertThrows(InvalidObjectException.class, () -> {
            java.lang.reflect.Method readObject = BpeModel.class.getDeclaredMethod("readObject", ObjectInputStream.class);
            readObject.setAccessible(true);
            try {
                readObject.invoke(Conformance.gpt2(null), (ObjectInputStream) null);
            } catch (java.lang.reflect.InvocationTargetException t) {
                throw t.getCause();
            }
        });
        assertTrue(e.getMessage().contains("serialized form"));
    }
}
