package orgtext

// polish is the Polish form of every message of the organizers' tools,
// keyed by its English format. The verbs (%s, %d, %q) come in the same
// order; use %[2]s to reorder.
var polish = map[string]string{
}
