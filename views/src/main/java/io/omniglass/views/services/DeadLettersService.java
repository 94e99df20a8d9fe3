package io.omniglass.views.services;

import java.util.List;
import java.util.Map;

/** A tenant's dead letters: browse (filter language over reason, subject, detail, body), re-drive, discard. */
public interface DeadLettersService {

    /** The page after {@code after} (null: the first), with the stream's unfiltered total. */
    DeadLetterPage deadLetters(String tenant, String filter, int limit, String after);

    /** Re-drives {@code ids}; {@code edits} (may be empty) replaces the body of some with JSON text. */
    List<DeadLetterResult> redrive(String tenant, List<Long> ids, Map<Long, String> edits, String reason);

    List<DeadLetterResult> discard(String tenant, List<Long> ids, String reason);

    record DeadLetterPage(List<DeadLetter> items, String next, long total) {
    }
}
