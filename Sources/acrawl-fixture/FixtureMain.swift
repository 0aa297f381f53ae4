import ToolSupport
import FixtureSite

@main
struct FixtureMain {
    static func main() {}
}
