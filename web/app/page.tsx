import { Home } from "../src/views/Home";

export default function HomePage() {
  return <Home />;
}
