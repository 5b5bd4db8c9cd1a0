# Reads TAP from tap's default reporter and prints one line per failing test,
# "FILE: parent > test", so a red CI names what broke in its last lines.
# Subtests are printed before their file's own "not ok N - FILE" line, so the
# failing names seen since the last top-level line belong to that file.
/^ *# Subtest: / {
  depth = (match($0, /[^ ]/) - 1) / 4
  name = $0; sub(/^ *# Subtest: /, "", name)
  stack[depth] = name
  next
}
/^ +not ok [0-9]+ - / {
  depth = (match($0, /[^ ]/) - 1) / 4
  name = $0; sub(/^ *not ok [0-9]+ - /, "", name); sub(/ # time=.*$/, "", name)
  path = ""
  for (i = 1; i < depth; i++) path = path stack[i] " > "
  failed[++count] = path name
  next
}
/^(not )?ok [0-9]+ - / {
  if ($1 == "not") {
    file = $0; sub(/^not ok [0-9]+ - /, "", file); sub(/ # .*$/, "", file)
    shown = 0
    for (i = 1; i <= count; i++) {
      # Only leaves: a failing parent repeats its failing children.
      leaf = 1
      for (j = 1; j <= count; j++) if (j != i && index(failed[j], failed[i] " > ") == 1) leaf = 0
      if (leaf && shown < 20) { print file ": " failed[i]; shown++ }
    }
    if (shown == 0) print file ": (the file failed outside any test)"
  }
  count = 0
  delete failed
  delete stack
}
