# nbgrader configuration for a Jupyter server started at the repository's root (`make lab`):
# the formgrader and the Validate button find the course in course/ and read its settings from
# course/nbgrader_config.py. nbgrader commands run inside course/ read only that file.
import os

c = get_config()  # noqa: F821 (nbgrader's config loader provides get_config and load_subconfig)

course = os.path.join(os.path.dirname(os.path.abspath(__file__)), "course")
c.CourseDirectory.root = course
load_subconfig("nbgrader_config.py", path=course)  # noqa: F821
