package dev.imgsim;

/**
 * How a copy was turned or mirrored relative to the image it copies: one of the eight turns by a
 * multiple of 90 degrees, each with or without a left-right mirror. {@link #NONE} for a copy
 * that is neither turned nor mirrored.
 */
public enum Transform {
    NONE("not turned"),
    TURN_90("turned 90°"),
    TURN_180("turned 180°"),
    TURN_270("turned 270°"),
    MIRROR("mirrored"),
    MIRROR_TURN_90("turned 90° and mirrored"),
    MIRROR_TURN_180("turned 180° and mirrored (flipped upside down)"),
    MIRROR_TURN_270("turned 270° and mirrored");

    private final String description;

    Transform(String description) {
        this.description = description;
    }

    /** @return turn counter-clockwise in degrees: 0, 90, 180 or 270 (applied before the mirror) */
    public int degrees() {
        return 90 * (ordinal() % 4);
    }

    /** @return whether the copy is mirrored left-right (after the turn) */
    public boolean mirrored() {
        return ordinal() >= 4;
    }

    /** @return words for a person: "turned 90°", "mirrored", ... */
    public String description() {
        return description;
    }

    /** The transform numbered as the native core numbers it (turns + 4 when mirrored). */
    static Transform of(int code) {
        Transform[] all = values();
        if (code < 0 || code >= all.length) {
            throw new IllegalArgumentException("transform code " + code + " is not in 0..7");
        }
        return all[code];
    }
}
