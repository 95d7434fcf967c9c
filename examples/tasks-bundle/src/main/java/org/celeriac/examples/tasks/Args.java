package org.celeriac.examples.tasks;

import java.util.List;

/** Argument checks shared by the example tasks: a bad argument fails the task with a message naming it. */
final class Args {
    private Args() {
    }

    static Number number(List<Object> args, int index, String task) {
        if (index >= args.size() || !(args.get(index) instanceof Number n)) {
            throw new IllegalArgumentException(task + " expects a number at args[" + index + "], got "
                    + (index < args.size() ? args.get(index) : "nothing") + " in " + args);
        }
        return n;
    }
}
