package io.omniglass.api;

import java.util.List;

/** A page of alarms; {@code next} is the {@code after} cursor of the next page (null at the end). */
public record AlarmPage(List<AlarmInfo> items, String next) {
}
