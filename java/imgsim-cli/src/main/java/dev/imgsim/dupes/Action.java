package dev.imgsim.dupes;

import java.util.Locale;

/** What to do with the files a keep policy does not keep. Every action but {@link #DELETE} can be undone. */
public enum Action {
    /** Move into a folder ({@code --to DIR}), keeping the path below its root. */
    MOVE,
    /** Replace with a hard link to the kept file; the original goes to the trash folder (same filesystem only). */
    HARDLINK,
    /** Replace with a symbolic link to the kept file; the original goes to the trash folder. */
    SYMLINK,
    /** Move into the trash folder ({@code --trash DIR}, by default inside the index directory). */
    TRASH,
    /** Delete. Cannot be undone. */
    DELETE;

    /** @return the command-line name */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param s a command-line name
     * @return the action
     */
    public static Action of(String s) {
        for (Action a : values()) {
            if (a.cliName().equals(s.trim().toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown action '" + s + "': use move, hardlink, symlink, trash or delete");
    }
}
