-- Room on each page of alarm_fingerprint for the one update every row gets (s10-similar).
--
-- A row (~1 kB: lead_up and its pgvector embedding) is inserted at an alarm's raise and updated
-- once, at the alarm's next raise, when its occurred_until is set. Pages filled to 100 % leave no
-- room for the new version, so that update was often not HOT: it went to another page and added
-- an entry to every index, the HNSW index included (a second graph insert per raise, the dearest
-- part of the update). No indexed column changes, so with room on the page the update is HOT.
-- Only pages written from now on get the room; nothing is rewritten.
ALTER TABLE alarm_fingerprint SET (fillfactor = 75);
