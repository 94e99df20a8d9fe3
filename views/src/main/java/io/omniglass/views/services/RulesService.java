package io.omniglass.views.services;

import java.time.Instant;
import java.util.List;

/** A tenant's event rules: list, save (create or a new version), and a draft's backtest over history. */
public interface RulesService {

    List<EventRule> rules(String tenant);

    /** Creates the rule ({@code id} null) or makes a new version of it; a 400 or 409 names what is wrong. */
    EventRule save(String tenant, Long id, RuleDraft draft);

    /**
     * The draft over [from, to) of stored history, hot and cold; blocks until the core answers.
     * {@link Cancellation#cancel()} abandons the call (the core stops the run when the client goes away).
     */
    Backtest backtest(String tenant, RuleDraft draft, Instant from, Instant to, Cancellation cancel);
}
