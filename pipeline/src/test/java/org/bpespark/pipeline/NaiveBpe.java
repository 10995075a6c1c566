package org.bpespark.pipeline;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpespark.pipeline.BpeModel.Merge;
import org.bpespark.pipeline.text.PreTokenizer;

/**
 * A deliberately naive BPE trainer and encoder that follow CS336's SPEC.md §4 and §5 word for word,
 * with {@code java.util.regex} for the pre-tokenizer, byte strings for symbols and no cleverness: all
 * pair counts are recounted from scratch for every merge. The differential tests hold the engine to it.
 */
final class NaiveBpe {
    private static final Pattern GPT2 = Pattern.compile(PreTokenizer.REGEX, Pattern.UNICODE_CHARACTER_CLASS);

    /** A byte string with value equality, as a map key. */
    record Bytes(byte[] b) {
        static Bytes of(String s) {
            return new Bytes(s.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes other && Arrays.equals(b, other.b);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(b);
        }
    }

    private record Pair(Bytes left, Bytes right) {
    }

    /** Ties go to the lexicographically greatest (left, right), bytes compared unsigned (SPEC §4.5). */
    private static final Comparator<Pair> TIE_BREAK = Comparator
            .comparing((Pair p) -> p.left().b(), Arrays::compareUnsigned)
            .thenComparing(p -> p.right().b(), Arrays::compareUnsigned);

    private NaiveBpe() {
    }

    /** A piece of text between special tokens, or a special token (exactly one of the two is set). */
    record Piece(String text, String special) {
    }

    /** Cuts text at special tokens: leftmost occurrence first, the longest special where several start. */
    static List<Piece> splitOnSpecials(String text, List<String> specials) {
        if (specials.isEmpty()) {
            return List.of(new Piece(text, null));
        }
        String alternation = specials.stream()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .map(Pattern::quote)
                .reduce((a, b) -> a + "|" + b)
                .orElseThrow();
        List<Piece> pieces = new ArrayList<>();
        Matcher m = Pattern.compile(alternation).matcher(text);
        int last = 0;
        while (m.find()) {
            pieces.add(new Piece(text.substring(last, m.start()), null));
            pieces.add(new Piece(null, m.group()));
            last = m.end();
        }
        pieces.add(new Piece(text.substring(last), null));
        return pieces;
    }

    static List<String> preTokens(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = GPT2.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /** SPEC §4 steps 2–3: split on specials (dropped), pre-tokenize each piece, count UTF-8 bytes. */
    static Map<Bytes, Long> countPreTokens(String text, List<String> specials) {
        Map<Bytes, Long> counts = new LinkedHashMap<>();
        for (Piece piece : splitOnSpecials(text, specials)) {
            if (piece.text() != null) {
                for (String token : preTokens(piece.text())) {
                    counts.merge(Bytes.of(token), 1L, Long::sum);
                }
            }
        }
        return counts;
    }

    /**
     * SPEC §4 steps 4–6. The vocabulary is a set of byte strings: it starts with the 256 bytes and the
     * special tokens, and each merge adds its concatenation. Merging stops when the set has
     * {@code vocabSize} members or no pair is left. (That is "vocab_size − 256 − #specials merges"
     * whenever every merge yields a new token; if a merge yields bytes that are already a token, the
     * set does not grow and one more merge is needed, which keeps the values distinct.)
     */
    static List<Merge> train(Map<Bytes, Long> preTokenCounts, int vocabSize, List<String> specials) {
        List<List<Bytes>> words = new ArrayList<>();
        List<Long> counts = new ArrayList<>();
        for (Map.Entry<Bytes, Long> e : preTokenCounts.entrySet()) {
            List<Bytes> symbols = new ArrayList<>();
            for (byte b : e.getKey().b()) {
                symbols.add(new Bytes(new byte[] {b}));
            }
            words.add(symbols);
            counts.add(e.getValue());
        }
        Set<Bytes> vocab = new HashSet<>();
        for (int b = 0; b < 256; b++) {
            vocab.add(new Bytes(new byte[] {(byte) b}));
        }
        for (String s : specials) {
            vocab.add(Bytes.of(s));
        }
        List<Merge> merges = new ArrayList<>();
        while (vocab.size() < vocabSize) {
            Map<Pair, Long> pairCounts = new HashMap<>();
            for (int w = 0; w < words.size(); w++) {
                List<Bytes> s = words.get(w);
                for (int i = 0; i + 1 < s.size(); i++) {
                    pairCounts.merge(new Pair(s.get(i), s.get(i + 1)), counts.get(w), Long::sum);
                }
            }
            Pair best = null;
            long bestCount = 0;
            for (Map.Entry<Pair, Long> e : pairCounts.entrySet()) {
                long c = e.getValue();
                if (best == null || c > bestCount || (c == bestCount && TIE_BREAK.compare(e.getKey(), best) > 0)) {
                    best = e.getKey();
                    bestCount = c;
                }
            }
            if (best == null) {
                break;
            }
            Merge merge = new Merge(best.left().b(), best.right().b());
            merges.add(merge);
            Bytes merged = new Bytes(merge.merged());
            vocab.add(merged);
            for (int w = 0; w < words.size(); w++) {
                words.set(w, replace(words.get(w), best, merged));
            }
        }
        return merges;
    }

    /** Replaces the pair left to right without overlap. */
    private static List<Bytes> replace(List<Bytes> s, Pair pair, Bytes merged) {
        List<Bytes> out = new ArrayList<>(s.size());
        for (int i = 0; i < s.size(); ) {
            if (i + 1 < s.size() && s.get(i).equals(pair.left()) && s.get(i + 1).equals(pair.right())) {
                out.add(merged);
                i += 2;
            } else {
                out.add(s.get(i));
                i++;
            }
        }
        return out;
    }

    /**
     * SPEC §5: special tokens (leftmost, longest) become their ids; every other piece is pre-tokenized
     * and each pre-token has the merges applied in creation order, then maps to ids by its bytes.
     */
    static int[] encode(BpeModel model, String text) {
        Map<Bytes, Integer> idOf = new HashMap<>();
        for (int id = 0; id < model.vocabSize(); id++) {
            if (!model.isSpecialId(id)) {
                idOf.put(new Bytes(model.tokenBytes(id)), id);
            }
        }
        IntArrayList ids = new IntArrayList();
        for (Piece piece : splitOnSpecials(text, model.specialTokens())) {
            if (piece.special() != null) {
                ids.add(model.specialId(piece.special()));
                continue;
            }
            for (String token : preTokens(piece.text())) {
                List<Bytes> symbols = new ArrayList<>();
                for (byte b : token.getBytes(StandardCharsets.UTF_8)) {
                    symbols.add(new Bytes(new byte[] {b}));
                }
                for (Merge merge : model.merges()) {
                    symbols = replace(symbols, new Pair(new Bytes(merge.left()), new Bytes(merge.right())),
                            new Bytes(merge.merged()));
                }
                for (Bytes symbol : symbols) {
                    ids.add(idOf.get(symbol).intValue());
                }
            }
        }
        return ids.toIntArray();
    }
}
