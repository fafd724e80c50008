import { TaskList } from "../src/views/TaskList";

export default function Home() {
  return <TaskList />;
}
