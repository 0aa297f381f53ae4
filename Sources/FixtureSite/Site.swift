/// Placeholder until the fixture server lands.
public enum Site {}
